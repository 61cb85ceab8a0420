import { describe, expect, it } from "vitest";
import { isOciError, normaliseConfigKey, parseDockerConfig } from "../../../src/oci/index.ts";

const b64 = (text: string): string => Buffer.from(text).toString("base64");

describe("parseDockerConfig", () => {
  it("decodes auths.*.auth and normalises the keys", () => {
    const source = parseDockerConfig(
      JSON.stringify({
        auths: {
          "https://index.docker.io/v1/": { auth: b64("hubuser:hub:pass") },
          "ghcr.io": { auth: b64("octo:ghp_token") },
          "http://LocalHost:5000/v2/": { auth: b64("local:pw") },
        },
      }),
    );
    expect(source.lookup("docker.io")).toEqual({
      kind: "basic",
      username: "hubuser",
      password: "hub:pass",
    });
    expect(source.lookup("index.docker.io")).toEqual(source.lookup("docker.io"));
    expect(source.lookup("ghcr.io")).toEqual({
      kind: "basic",
      username: "octo",
      password: "ghp_token",
    });
    expect(source.lookup("localhost:5000")).toEqual({
      kind: "basic",
      username: "local",
      password: "pw",
    });
    expect(source.lookup("quay.io")).toBeUndefined();
  });

  it("takes username and password fields, and UTF-8 in auth", () => {
    const source = parseDockerConfig(
      JSON.stringify({
        auths: {
          "a.example": { username: "u", password: "p" },
          "b.example": { auth: Buffer.from("jürgen:päss").toString("base64") },
        },
      }),
    );
    expect(source.lookup("a.example")).toEqual({ kind: "basic", username: "u", password: "p" });
    expect(source.lookup("b.example")).toEqual({
      kind: "basic",
      username: "jürgen",
      password: "päss",
    });
  });

  it("prefers an identity token", () => {
    const source = parseDockerConfig(
      JSON.stringify({
        auths: { "acr.example": { auth: b64("00000000-0000:"), identitytoken: "refresh-xyz" } },
      }),
    );
    expect(source.lookup("acr.example")).toEqual({
      kind: "identity-token",
      username: "00000000-0000",
      identityToken: "refresh-xyz",
    });
  });

  it("names the credential helper a registry would need", () => {
    const source = parseDockerConfig(
      JSON.stringify({
        auths: { "ghcr.io": {}, "quay.io": { auth: b64("q:p") } },
        credHelpers: { "123.dkr.ecr.us-east-1.amazonaws.com": "ecr-login" },
        credsStore: "desktop",
      }),
    );
    expect(source.lookup("123.dkr.ecr.us-east-1.amazonaws.com")).toEqual({
      kind: "helper",
      helper: "ecr-login",
      setting: "credHelpers",
    });
    expect(source.lookup("ghcr.io")).toEqual({
      kind: "helper",
      helper: "desktop",
      setting: "credsStore",
    });
    expect(source.lookup("quay.io")).toEqual({ kind: "basic", username: "q", password: "p" });
  });

  it("accepts an empty config", () => {
    expect(parseDockerConfig("{}").lookup("docker.io")).toBeUndefined();
  });

  it("lists every bad field at once", () => {
    let thrown: unknown;
    try {
      parseDockerConfig(
        JSON.stringify({
          auths: { "a.example": { auth: "!!!" }, "b.example": 7, "c.example": { username: 5 } },
          credHelpers: { "d.example": 1 },
          credsStore: [],
        }),
      );
    } catch (err) {
      thrown = err;
    }
    expect(isOciError(thrown, "CREDENTIALS_INVALID")).toBe(true);
    const message = (thrown as Error).message;
    expect(message).toContain('auths["a.example"].auth is not base64');
    expect(message).toContain('auths["b.example"] is not an object');
    expect(message).toContain('auths["c.example"].username is not a string');
    expect(message).toContain('credHelpers["d.example"] is not a string');
    expect(message).toContain("credsStore is not a string");
  });

  it.each([
    ["not JSON", "{", /not JSON/],
    ["an array", "[]", /not a JSON object/],
    ["auths of the wrong type", '{"auths": []}', /auths is not an object/],
    [
      "auth without a colon",
      JSON.stringify({ auths: { x: { auth: b64("nocolon") } } }),
      /username:password/,
    ],
  ])("refuses %s", (_label, text, problem) => {
    expect(() => parseDockerConfig(text)).toThrow(problem);
  });
});

describe("normaliseConfigKey", () => {
  it.each([
    ["https://index.docker.io/v1/", "docker.io"],
    ["index.docker.io", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["docker.io", "docker.io"],
    ["https://GHCR.io", "ghcr.io"],
    ["ghcr.io/v2/", "ghcr.io"],
    ["http://[::1]:5000/", "[::1]:5000"],
    ["registry.example:8443", "registry.example:8443"],
  ])("%s -> %s", (key, expected) => {
    expect(normaliseConfigKey(key)).toBe(expected);
  });
});
