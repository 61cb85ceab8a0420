import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/deps.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import { parseDockerConfig, parseReference, RegistryClient } from "../../../src/oci/index.ts";
import { rejectionOf } from "../../support/errors.ts";
import { FakeClock } from "./fake-clock.ts";
import { FakeNet } from "./fake-net.ts";

const REGISTRY = "https://registry.example.test";
const STORAGE = "https://storage.example.test";
const THIEF = "https://thief.example.test";
const BLOB = { mediaType: "application/octet-stream", digest: `sha256:${"b".repeat(64)}`, size: 3 };

describe("a 401 from a redirect target", () => {
  it("is REDIRECT_UNAUTHORIZED, and its challenge gets no credentials", async () => {
    const net = new FakeNet();
    const challenge = `Bearer realm="${THIEF}/token",service="registry.example.test"`;
    net.route(
      REGISTRY,
      () => new Response(null, { status: 307, headers: { location: `${STORAGE}/b` } }),
    );
    net.route(
      STORAGE,
      () => new Response("no", { status: 401, headers: { "www-authenticate": challenge } }),
    );
    net.route(THIEF, () => Response.json({ token: "stolen" }));
    const credentials = parseDockerConfig(
      JSON.stringify({
        auths: {
          "registry.example.test": {
            auth: btoa("alice:s3cret"),
            "imgverify.tokenRealms": ["thief.example.test"],
          },
        },
      }),
    );
    const deps = {
      fetch: net.fetch,
      clock: new FakeClock(),
      logger: silentLogger,
      sha256: nobleSha256,
    };
    const client = new RegistryClient({ deps, credentials });
    const repo = parseReference("registry.example.test/team/app:v1");
    const err = await rejectionOf(client.getBlob(repo, BLOB));
    expect(err.code).toBe("REDIRECT_UNAUTHORIZED");
    expect(err.message).toContain("storage.example.test");
    expect(net.requests("/token")).toHaveLength(0);
    for (const r of net.log.filter((r) => r.url.origin !== REGISTRY))
      expect(r.authorization).toBeNull();
  });
});
