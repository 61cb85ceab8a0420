import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ImageManifest } from "../../../src/oci/index.ts";
import type { RegistryMode } from "../../support/context.ts";
import { type Proxy, startProxy } from "./servers.ts";
import { exchanges, failure, imageRef, nodeDigest, recordingClient } from "./setup.ts";

const registries = inject("registries");
const seededImages = inject("seededImages");

describe("blobs redirected to another origin (as registries do to object storage)", () => {
  const proxies = new Map<RegistryMode, Proxy>();

  beforeAll(async () => {
    for (const mode of ["anonymous", "basic"] as const) {
      proxies.set(mode, await startProxy(registries[mode].url));
    }
  });
  afterAll(() => Promise.all([...proxies.values()].map((proxy) => proxy.close())));

  /**
   * A client that reaches `mode`'s registry through its proxy, which answers
   * the seeded image's config blob with a 307 to the registry itself.
   */
  async function redirectedConfig(mode: "anonymous" | "basic", allowTarget: boolean) {
    const registry = registries[mode];
    const proxy = proxies.get(mode);
    if (!proxy) throw new Error(`no proxy for the ${mode} registry`);
    const image = seededImages[mode].ociImage;
    const proxied = { ...registry, host: proxy.host };
    const insecureRegistries = allowTarget ? [proxy.host, registry.host] : [proxy.host];
    const recording = recordingClient(proxied, { insecureRegistries });
    const ref = imageRef(proxied, image.repository, image.digest);
    const { config } = (await recording.client.getManifest(ref)).manifest as ImageManifest;
    const path = `/v2/${image.repository}/blobs/${config.digest}`;
    proxy.rules.set(path, "redirect");
    return { ...recording, proxy, ref, config, path };
  }

  it("follows the redirect and verifies what it finds there", async () => {
    const target = registries.anonymous.host;
    const { client, events, proxy, ref, config, path } = await redirectedConfig("anonymous", true);
    const before = events.length;
    expect(nodeDigest(await client.getBlob(ref, config))).toBe(config.digest);
    expect(events.slice(before)).toEqual([
      { method: "GET", url: `http://${proxy.host}${path}`, status: 307 },
      { method: "GET", url: `http://${target}${path}`, status: 200 },
    ]);
  });

  it("refuses a redirect to an address not allowed", async () => {
    const { client, events, ref, config } = await redirectedConfig("anonymous", false);
    const before = events.length;
    const err = await failure(client.getBlob(ref, config));
    expect(err.code).toBe("ADDRESS_REFUSED");
    expect(err.message).toContain(`plain HTTP to ${registries.anonymous.host} is refused`);
    expect(exchanges(events.slice(before)).map((line) => line.split(" ").at(-1))).toEqual(["307"]);
  });

  it("does not carry the registry's Authorization to the other origin", async () => {
    const target = registries.basic.host;
    const { client, sent, proxy, ref, config, path } = await redirectedConfig("basic", true);
    const err = await failure(client.getBlob(ref, config));
    // The other origin (the registry itself) says 401: that is an error, never a
    // challenge answered with the registry's credentials.
    expect(err).toMatchObject({ code: "REDIRECT_UNAUTHORIZED", status: 401 });
    const authorizationsTo = (host: string): (string | null)[] =>
      sent
        .filter((r) => r.url.host === host && r.url.pathname === path)
        .map((r) => r.authorization);
    expect(authorizationsTo(proxy.host).length).toBeGreaterThan(0);
    expect(authorizationsTo(proxy.host).every((auth) => auth?.startsWith("Basic "))).toBe(true);
    expect(authorizationsTo(target).length).toBeGreaterThan(0);
    expect(authorizationsTo(target).every((auth) => auth === null)).toBe(true);
  });
});
