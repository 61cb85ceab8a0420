import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/deps.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import { parseDockerConfig, parseReference, RegistryClient } from "../../../src/oci/index.ts";
import { SingleFlight } from "../../../src/store/single-flight.ts";
import { rejectionOf } from "../../support/errors.ts";
import { FakeClock } from "./fake-clock.ts";
import { FakeNet } from "./fake-net.ts";

const A = "https://a.example.test";
const B = "https://b.example.test";
const ALICE = `Basic ${btoa("alice:s3cret")}`;
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: {
    mediaType: "application/vnd.oci.image.config.v1+json",
    digest: `sha256:${"a".repeat(64)}`,
    size: 2,
  },
  layers: [],
});

/** A registry that wants a bearer token from `realm`, a realm that issues one per caller, and a log of tokens issued to alice. */
function world(realm: string, extra: Record<string, unknown> = {}) {
  const net = new FakeNet();
  const aliceTokens = new Set<string>();
  let issued = 0;
  const realmUrl = new URL(realm);
  // Anonymous tokens do not grant the private/ repositories; alice's do.
  const issue = (req: Request): Response => {
    const auth = req.headers.get("authorization");
    const scope = new URL(req.url).searchParams.get("scope") ?? "";
    if ((auth !== null && auth !== ALICE) || (auth === null && scope.includes("private/"))) {
      return new Response("{}", { status: 401 });
    }
    const token = `tok-${auth ? "alice" : "anon"}-${++issued}`;
    if (auth) aliceTokens.add(token);
    return Response.json({ token, expires_in: 300 });
  };
  const challenge = `Bearer realm="${realm}",service="a-service"`;
  const registry = (req: Request): Response => {
    const url = new URL(req.url);
    if (url.origin === realmUrl.origin && url.pathname === realmUrl.pathname) return issue(req);
    if (!req.headers.get("authorization")?.startsWith("Bearer ")) {
      return new Response("{}", { status: 401, headers: { "www-authenticate": challenge } });
    }
    return new Response(req.method === "HEAD" ? null : MANIFEST, {
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
    });
  };
  net.route(A, registry);
  if (realmUrl.origin !== A) net.route(realmUrl.origin, issue);
  // B is hostile: its challenge names A's realm and A's service.
  net.route(B, registry);
  const credentials = parseDockerConfig(
    JSON.stringify({ auths: { "a.example.test": { auth: btoa("alice:s3cret"), ...extra } } }),
  );
  const deps = {
    fetch: net.fetch,
    clock: new FakeClock(),
    logger: silentLogger,
    sha256: nobleSha256,
  };
  const client = new RegistryClient({ deps, credentials });
  const bearerTo = (origin: string): string[] =>
    net.log
      .filter((r) => r.url.origin === origin && r.authorization?.startsWith("Bearer "))
      .map((r) => r.authorization ?? "");
  return { net, client, aliceTokens, bearerTo };
}

const refA = parseReference("a.example.test/team/app:v1");
const refB = parseReference("b.example.test/team/app:v1");

describe("bearer tokens stay with the registry and the credentials they were issued for", () => {
  it("does not hand B the token fetched with A's credentials when both run at once", async () => {
    const { client, aliceTokens, bearerTo, net } = world(`${A}/token`);
    const admission = client.withStore(new SingleFlight<string, unknown>());
    await Promise.allSettled([admission.getManifest(refA), admission.getManifest(refB)]);
    expect(aliceTokens.size).toBeGreaterThan(0);
    for (const auth of bearerTo(B)) expect(aliceTokens).not.toContain(auth.slice(7));
    // A's realm saw alice's credentials only for A's own requests: one token fetch, not two.
    expect(net.log.filter((r) => r.authorization === ALICE)).toHaveLength(1);
  });

  it("does not hand B A's cached token one after the other", async () => {
    const { client, aliceTokens, bearerTo } = world(`${A}/token`);
    const admission = client.withStore(new SingleFlight<string, unknown>());
    await admission.getManifest(refA);
    await admission.getManifest(refB).catch(() => {});
    await client.getManifest(refB).catch(() => {});
    expect(aliceTokens.size).toBe(1);
    for (const auth of bearerTo(B)) expect(aliceTokens).not.toContain(auth.slice(7));
  });

  it("withholds A's credentials from a realm on another host, and says so when that fails", async () => {
    const { client, net } = world("https://evil.example.test/token");
    const err = await rejectionOf(
      client.getManifest(parseReference("a.example.test/private/x:v1")),
    );
    expect(err).toMatchObject({ code: "CREDENTIALS_WITHHELD" });
    expect(String(err)).toMatch(/evil\.example\.test/);
    expect(String(err)).toMatch(/imgverify\.tokenRealms/);
    expect(net.log.filter((r) => r.authorization === ALICE)).toHaveLength(0);
  });

  it("goes to a realm on another host anonymously when anonymous access is enough", async () => {
    const { client, net } = world("https://evil.example.test/token");
    await client.getManifest(refA);
    expect(net.log.filter((r) => r.authorization === ALICE)).toHaveLength(0);
  });

  it("sends the credentials to a realm the entry allows by imgverify.tokenRealms", async () => {
    const { client, net } = world("https://evil.example.test/token", {
      "imgverify.tokenRealms": ["evil.example.test"],
    });
    await client.getManifest(parseReference("a.example.test/private/x:v1"));
    const sent = net.log.filter((r) => r.authorization === ALICE);
    expect(sent.map((r) => r.url.host)).toEqual(["evil.example.test"]);
  });

  it("refuses an imgverify.tokenRealms that is not a list of host names", () => {
    expect(() =>
      parseDockerConfig(
        JSON.stringify({
          auths: { "a.example.test": { auth: btoa("a:b"), "imgverify.tokenRealms": "x" } },
        }),
      ),
    ).toThrow(/tokenRealms/);
  });
});
