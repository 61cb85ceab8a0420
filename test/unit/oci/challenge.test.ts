import { describe, expect, it } from "vitest";
import { isOciError, parseChallenges } from "../../../src/oci/index.ts";

describe("parseChallenges", () => {
  it("reads a Docker Hub bearer challenge", () => {
    const header =
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"';
    expect(parseChallenges(header)).toEqual([
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/nginx:pull",
        },
      },
    ]);
  });

  it("reads several challenges, lower-cases schemes and names, keeps values", () => {
    const header =
      'Basic Realm="Registry Realm", BEARER realm="https://a/t" , service=svc,error="insufficient_scope"';
    expect(parseChallenges(header)).toEqual([
      { scheme: "basic", params: { realm: "Registry Realm" } },
      {
        scheme: "bearer",
        params: { realm: "https://a/t", service: "svc", error: "insufficient_scope" },
      },
    ]);
  });

  it("unescapes quoted strings and keeps commas and equals signs inside them", () => {
    const [challenge] = parseChallenges(
      'Bearer realm="https://a/t?x=1,y=2", scope="a \\"quoted\\" \\\\ value"',
    );
    expect(challenge?.params).toEqual({
      realm: "https://a/t?x=1,y=2",
      scope: 'a "quoted" \\ value',
    });
  });

  it("reads token68 and bare schemes", () => {
    expect(parseChallenges("Negotiate, Custom abc123==, Basic realm=x, Other realm=")).toEqual([
      { scheme: "negotiate", params: {} },
      { scheme: "custom", params: {}, token68: "abc123==" },
      { scheme: "basic", params: { realm: "x" } },
      { scheme: "other", params: {}, token68: "realm=" },
    ]);
  });

  it("takes several headers joined by Headers.get", () => {
    const headers = new Headers();
    headers.append("www-authenticate", 'Basic realm="r"');
    headers.append("www-authenticate", 'Bearer realm="https://t",service="s"');
    expect(parseChallenges(headers.get("www-authenticate") ?? "").map((c) => c.scheme)).toEqual([
      "basic",
      "bearer",
    ]);
  });

  it("tolerates spaces around = and empty list elements", () => {
    expect(parseChallenges(' , Bearer realm = "https://t" ,, service = s ')).toEqual([
      { scheme: "bearer", params: { realm: "https://t", service: "s" } },
    ]);
  });

  it.each([
    ["an empty header", "", /no challenge/],
    ["a missing scheme", "=realm", /expected an auth scheme/],
    ["an unterminated quote", 'Bearer realm="unterminated', /unexpected/],
    ["a repeated parameter", 'Bearer realm="a", realm="b"', /given twice/],
    ["text after a parameter", 'Bearer realm="x" junk', /unexpected "junk"/],
    ["a huge header", `Bearer realm="${"x".repeat(17_000)}"`, /longer than/],
  ])("refuses %s", (_label, header, problem) => {
    let thrown: unknown;
    try {
      parseChallenges(header);
    } catch (err) {
      thrown = err;
    }
    expect(isOciError(thrown, "AUTH_CHALLENGE_INVALID")).toBe(true);
    expect((thrown as Error).message).toMatch(problem);
  });
});
