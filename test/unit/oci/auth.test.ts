import { describe, expect, it } from "vitest";
import { parseDockerConfig, parseReference } from "../../../src/oci/index.ts";
import { TtlCache } from "../../../src/store/ttl-cache.ts";
import { FakeRegistry } from "./fake-registry.ts";
import { failure, HOST, harness, ORIGIN, pushImage } from "./setup.ts";

const REALM = "https://auth.example.test/token";
const ref = parseReference(`${HOST}/team/app:v1`);
const b64 = (text: string): string => Buffer.from(text).toString("base64");
// The fake registry's token realm is on another host, so the entry allows it.
const config = (entry: object): ReturnType<typeof parseDockerConfig> =>
  parseDockerConfig(
    JSON.stringify({
      auths: { [HOST]: { "imgverify.tokenRealms": ["auth.example.test"], ...entry } },
    }),
  );

describe("bearer token auth", () => {
  it("answers a 401 with an anonymous token for the repository's pull scope", async () => {
    const { net, registry, client } = harness({ auth: "bearer" });
    const { descriptor } = pushImage(registry, "team/app");
    expect(await client.resolve(ref)).toEqual(descriptor);
    const [first, token, retry] = net.log;
    expect(first?.authorization).toBeNull();
    expect(`${token?.url.origin}${token?.url.pathname}`).toBe(REALM);
    expect(token?.url.searchParams.get("scope")).toBe("repository:team/app:pull");
    expect(token?.url.searchParams.get("service")).toBe("fake-registry");
    expect(token?.authorization).toBeNull();
    expect(retry?.authorization).toBe("Bearer tok-1");
    expect(net.log).toHaveLength(3);
  });

  it("sends Basic credentials to the realm only, and the token to the registry", async () => {
    const { net, registry, makeClient } = harness({
      auth: "bearer",
      users: { alice: "s3cret" },
      anonymousPull: false,
    });
    pushImage(registry, "team/app");
    const client = makeClient({ credentials: config({ auth: b64("alice:s3cret") }) });
    await client.resolve(ref);
    expect(net.requests("/token")[0]?.authorization).toBe(`Basic ${b64("alice:s3cret")}`);
    for (const r of net.requests("/v2/")) expect(r.authorization ?? "").not.toMatch(/^Basic/);
  });

  it("reports wrong credentials as UNAUTHORIZED, naming the user and the token endpoint", async () => {
    const { registry, makeClient } = harness({ auth: "bearer", users: { alice: "s3cret" } });
    pushImage(registry, "team/app");
    const client = makeClient({ credentials: config({ username: "alice", password: "wrong" }) });
    const err = await failure(client.resolve(ref));
    expect(err.code).toBe("UNAUTHORIZED");
    expect(err.registryCode).toBe("UNAUTHORIZED");
    expect(err.message).toMatch(
      new RegExp(
        `^resolving ${HOST}/team/app:v1: authentication failed: token endpoint ${REALM} answered HTTP 401`,
      ),
    );
    expect(err.message).toContain("it refused the credentials of alice");
  });

  it("reports a token without access as UNAUTHORIZED after one retry", async () => {
    const { net, registry, client } = harness({ auth: "bearer", anonymousPull: false });
    pushImage(registry, "team/app");
    const err = await failure(client.resolve(ref));
    expect(err).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
    expect(net.log).toHaveLength(3);
  });

  it("keeps a token until shortly before expires_in, then asks again", async () => {
    const { net, registry, client, clock } = harness({ auth: "bearer", expiresIn: 300 });
    pushImage(registry, "team/app");
    await client.resolve(ref);
    await clock.advance(289_000);
    await client.resolve(ref);
    expect(net.requests("/token")).toHaveLength(1);
    // The second call went straight out with the cached token: no 401 round trip.
    expect(net.log.slice(3).map((r) => r.authorization)).toEqual(["Bearer tok-1"]);
    await clock.advance(2_000);
    await client.resolve(ref);
    expect(net.requests("/token")).toHaveLength(2);
  });

  it("keeps a token 60 s less a margin when expires_in is absent", async () => {
    const { net, registry, client, clock } = harness({ auth: "bearer" });
    pushImage(registry, "team/app");
    await client.resolve(ref);
    await clock.advance(49_000);
    await client.resolve(ref);
    expect(net.requests("/token")).toHaveLength(1);
    await clock.advance(2_000);
    await client.resolve(ref);
    expect(net.requests("/token")).toHaveLength(2);
  });

  it("asks for one token per repository scope", async () => {
    const { net, registry, client } = harness({ auth: "bearer" });
    pushImage(registry, "team/app");
    pushImage(registry, "team/other");
    await client.resolve(ref);
    await client.resolve(parseReference(`${HOST}/team/other:v1`));
    expect(net.requests("/token").map((r) => r.url.searchParams.get("scope"))).toEqual([
      "repository:team/app:pull",
      "repository:team/other:pull",
    ]);
  });

  it("shares a token cache between clients", async () => {
    const { net, registry, makeClient, clock } = harness({ auth: "bearer" });
    pushImage(registry, "team/app");
    const tokenCache = new TtlCache<string, string>({ maxEntries: 10, ttlMs: 3_600_000, clock });
    await makeClient({ tokenCache }).resolve(ref);
    await makeClient({ tokenCache }).resolve(ref);
    expect(net.requests("/token")).toHaveLength(1);
  });

  it("renews a cached token the registry no longer accepts", async () => {
    const { net, registry, client } = harness({ auth: "bearer", expiresIn: 3600 });
    pushImage(registry, "team/app");
    await client.resolve(ref);
    registry.revokeTokens();
    await client.resolve(ref);
    expect(net.requests("/token")).toHaveLength(2);
    expect(net.log.at(-1)?.authorization).toBe("Bearer tok-2");
  });

  it("reads access_token answers", async () => {
    const { registry, client } = harness({ auth: "bearer", tokenField: "access_token" });
    pushImage(registry, "team/app");
    await expect(client.resolve(ref)).resolves.toMatchObject({ size: expect.any(Number) });
  });

  it("exchanges an identity token with a refresh_token POST", async () => {
    const { net, registry, makeClient } = harness({
      auth: "bearer",
      refreshTokens: { "refresh-abc": "bob" },
      anonymousPull: false,
    });
    pushImage(registry, "team/app");
    const client = makeClient({
      credentials: config({ username: "bob", identitytoken: "refresh-abc" }),
    });
    await client.resolve(ref);
    const [post] = net.requests("/token");
    expect(post?.method).toBe("POST");
    expect(Object.fromEntries(new URLSearchParams(post?.body))).toEqual({
      grant_type: "refresh_token",
      refresh_token: "refresh-abc",
      service: "fake-registry",
      scope: "repository:team/app:pull",
      client_id: "imgverify",
    });
  });

  it("refuses a token answer without a token", async () => {
    const { net, registry, client } = harness({ auth: "bearer" });
    pushImage(registry, "team/app");
    net.route(REALM, () => Response.json({ expires_in: 60 }));
    const err = await failure(client.resolve(ref));
    expect(err.code).toBe("TOKEN_INVALID");
    net.route(REALM, () => new Response("<html>"));
    expect((await failure(client.resolve(ref))).code).toBe("TOKEN_INVALID");
  });

  it("refuses a realm over plain HTTP or at a private address", async () => {
    for (const realm of ["http://auth.example.test/token", "https://10.0.0.1/token"]) {
      const { net, registry, client } = harness({ auth: "bearer", realm });
      pushImage(registry, "team/app");
      const err = await failure(client.resolve(ref));
      expect(err.code).toBe("ADDRESS_REFUSED");
      expect(err.message).toContain(`refusing ${new URL(realm).origin}/token`);
      expect(net.requests("/token")).toHaveLength(0);
    }
  });

  it("uses a realm at a listed insecure host", async () => {
    const { registry, makeClient } = harness({
      auth: "bearer",
      realm: "http://127.0.0.1:5001/token",
    });
    pushImage(registry, "team/app");
    const client = makeClient({ insecureRegistries: ["127.0.0.1:5001"] });
    await expect(client.resolve(ref)).resolves.toBeDefined();
  });
});

describe("basic auth", () => {
  it("answers a Basic challenge with the configured credentials", async () => {
    const { net, registry, makeClient } = harness({ auth: "basic", users: { alice: "pw" } });
    pushImage(registry, "team/app");
    const client = makeClient({ credentials: config({ auth: b64("alice:pw") }) });
    await client.resolve(ref);
    await client.resolve(ref);
    expect(net.log.map((r) => r.authorization)).toEqual([
      null,
      `Basic ${b64("alice:pw")}`,
      `Basic ${b64("alice:pw")}`,
    ]);
  });

  it("says when the registry wants credentials and none are configured", async () => {
    const { registry, client } = harness({ auth: "basic", users: { alice: "pw" } });
    pushImage(registry, "team/app");
    const err = await failure(client.resolve(ref));
    expect(err.code).toBe("UNAUTHORIZED");
    expect(err.message).toBe(
      `resolving ${HOST}/team/app:v1: ${HOST} asks for a username and password, and none is configured for it`,
    );
  });

  it("still asks anonymously after a Basic challenge for another repository", async () => {
    const { net, registry, client } = harness({ auth: "basic", users: { alice: "pw" } });
    const open = new FakeRegistry(ORIGIN);
    pushImage(registry, "team/app");
    const { descriptor } = pushImage(open, "public/app");
    net.route(ORIGIN, (req) =>
      req.url.includes("/public/") ? open.handle(req) : registry.handle(req),
    );
    await failure(client.resolve(ref));
    expect(await client.resolve(parseReference(`${HOST}/public/app:v1`))).toEqual(descriptor);
    expect(net.log.at(-1)?.authorization).toBeNull();
  });

  it("reports wrong Basic credentials as UNAUTHORIZED", async () => {
    const { registry, makeClient } = harness({ auth: "basic", users: { alice: "pw" } });
    pushImage(registry, "team/app");
    const client = makeClient({ credentials: config({ username: "alice", password: "nope" }) });
    expect(await failure(client.resolve(ref))).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
  });
});

describe("credential helpers", () => {
  const helperConfig = parseDockerConfig(JSON.stringify({ credHelpers: { [HOST]: "ecr-login" } }));

  it("refuses with the registry's name when a helper's credentials are needed", async () => {
    for (const options of [{ auth: "bearer", anonymousPull: false }, { auth: "basic" }] as const) {
      const { registry, makeClient } = harness(options);
      pushImage(registry, "team/app");
      const err = await failure(makeClient({ credentials: helperConfig }).resolve(ref));
      expect(err.code).toBe("CREDENTIAL_HELPER_UNSUPPORTED");
      expect(err.message).toContain(`${HOST} needs credentials`);
      expect(err.message).toContain('"ecr-login" (credHelpers)');
    }
  });

  it("goes anonymous when the registry lets it", async () => {
    const { registry, makeClient } = harness({ auth: "bearer" });
    pushImage(registry, "team/app");
    const credentials = parseDockerConfig(JSON.stringify({ credsStore: "desktop" }));
    await expect(makeClient({ credentials }).resolve(ref)).resolves.toBeDefined();
  });
});

describe("challenges", () => {
  it("refuses a malformed challenge", async () => {
    const { net, client } = harness();
    net.route(
      ORIGIN,
      () => new Response(null, { status: 401, headers: { "www-authenticate": 'Bearer realm="x' } }),
    );
    expect((await failure(client.resolve(ref))).code).toBe("AUTH_CHALLENGE_INVALID");
  });

  it("reports a 401 without a challenge it can answer as UNAUTHORIZED", async () => {
    const { net, client } = harness();
    net.route(
      ORIGIN,
      () => new Response(null, { status: 401, headers: { "www-authenticate": "Negotiate" } }),
    );
    expect((await failure(client.resolve(ref))).code).toBe("UNAUTHORIZED");
    net.route(ORIGIN, () => new Response(null, { status: 401 }));
    expect((await failure(client.resolve(ref))).code).toBe("UNAUTHORIZED");
  });

  it("refuses a realm that is not a URL", async () => {
    const { net, client } = harness();
    net.route(
      ORIGIN,
      () =>
        new Response(null, {
          status: 401,
          headers: { "www-authenticate": 'Bearer realm="/token"' },
        }),
    );
    const err = await failure(client.resolve(ref));
    expect(err.code).toBe("AUTH_CHALLENGE_INVALID");
    expect(err.message).toContain('token realm "/token"');
  });
});
