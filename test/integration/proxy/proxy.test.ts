/**
 * The latency proxy in front of each harness registry: a real pull goes
 * through it, every request is logged with its status and timing, the
 * injected round trip shows, and repeated and chained requests are measured.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { RegistryInfo, RegistryMode } from "../../support/context.ts";
import { type Proxy, startProxy } from "../../support/proxy.ts";
import { RegistryClient } from "../../support/registry-client.ts";

const registries = inject("registries");
const seeded = inject("seededImages");
const LATENCY_MS = 40;

/** `registry` as seen through `proxy`: same credentials and token realm, the proxy's address. */
function viaProxy(registry: RegistryInfo, proxy: Proxy): RegistryInfo {
  return { ...registry, host: proxy.host, url: proxy.url };
}

describe.each(["anonymous", "basic", "token"] as RegistryMode[])(
  "proxy before the %s registry",
  (mode) => {
    const registry = registries[mode];
    const image = seeded[mode].ociImage;
    let proxy: Proxy;

    beforeAll(async () => {
      proxy = await startProxy({ target: registry.url, latencyMs: LATENCY_MS });
    });
    afterAll(() => proxy.close());

    it("forwards a pull (HEAD, GET manifest, GET blob) and logs every request", async () => {
      const client = new RegistryClient(viaProxy(registry, proxy));
      const head = await client.headManifest(image.repository, image.tag);
      expect(head.digest).toBe(image.digest);
      const manifest = await client.getManifest(image.repository, image.digest);
      const config = (manifest.json as { config: { digest: string } }).config.digest;
      const blob = await client.fetch(
        `/v2/${image.repository}/blobs/${config}`,
        {},
        `repository:${image.repository}:pull`,
      );
      expect(blob.status).toBe(200);
      expect(JSON.parse(await blob.text())).toMatchObject({ os: "linux" });
      await proxy.settled();

      const headPath = `/v2/${image.repository}/manifests/${image.tag}`;
      const answered = proxy.log
        .filter((r) => r.status === 200)
        .map((r) => `${r.method} ${r.path}`);
      expect(answered).toEqual([
        `HEAD ${headPath}`,
        `GET /v2/${image.repository}/manifests/${image.digest}`,
        `GET /v2/${image.repository}/blobs/${config}`,
      ]);
      // With auth, the first HEAD is challenged and sent again: a duplicate. Token requests
      // go to the realm on its own port, past the proxy.
      const challenged = mode === "anonymous" ? 0 : 1;
      expect(proxy.log.filter((r) => r.status === 401)).toHaveLength(challenged);
      expect(proxy.stats()).toEqual({
        requests: 3 + challenged,
        distinct: 3,
        duplicates: challenged ? [{ key: `HEAD ${headPath}`, count: 2 }] : [],
      });
      for (const request of proxy.log) {
        // Loose: the proxy waited latencyMs before forwarding (timer granularity aside).
        expect(request.endedAt - request.startedAt).toBeGreaterThanOrEqual(LATENCY_MS - 2);
      }
    });
  },
);

describe("proxy behaviour", () => {
  const registry = registries.anonymous;
  const image = seeded.anonymous.ociImage;
  let proxy: Proxy;

  beforeAll(async () => {
    proxy = await startProxy({ target: registry.url, latencyMs: 30 });
  });
  afterEach(() => {
    proxy.reset();
    proxy.setLatency(30);
  });
  afterAll(() => proxy.close());

  const ping = async (): Promise<number> => {
    const started = performance.now();
    const res = await fetch(`${proxy.url}/v2/`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    const took = performance.now() - started;
    await proxy.settled();
    return took;
  };

  it("makes each request take at least the injected latency, and follows setLatency", async () => {
    proxy.setLatency(150);
    expect(await ping()).toBeGreaterThanOrEqual(145);
    proxy.setLatency(0);
    expect(proxy.log).toHaveLength(1);
    expect(() => proxy.setLatency(-1)).toThrow(/latency/);
  });

  it("counts repeated requests (query included) as duplicates", async () => {
    const get = (path: string) => fetch(`${proxy.url}${path}`).then((r) => r.arrayBuffer());
    const tags = `/v2/${image.repository}/tags/list`;
    await Promise.all([get(tags), get(tags), get(`${tags}?n=1`), get(tags)]);
    await proxy.settled();
    expect(proxy.stats()).toEqual({
      requests: 4,
      distinct: 2,
      duplicates: [{ key: `GET ${tags}`, count: 3 }],
    });
    proxy.reset();
    expect(proxy.stats()).toEqual({ requests: 0, distinct: 0, duplicates: [] });
  });

  it("measures 3 sequential requests as 3 round trips, 3 concurrent ones as 1", async () => {
    for (let i = 0; i < 3; i++) await ping();
    expect(proxy.criticalPathRtts()).toBe(3);
    proxy.reset();
    await Promise.all([ping(), ping(), ping()]);
    expect(proxy.criticalPathRtts()).toBe(1);
    proxy.reset();
    // Two concurrent, then one that waits for both: 2.
    await Promise.all([ping(), ping()]);
    await ping();
    expect(proxy.criticalPathRtts()).toBe(2);
  });

  it("streams a push through, pointing the upload Location at the proxy", async () => {
    const started = await fetch(`${proxy.url}/v2/proxy/push/blobs/uploads/`, { method: "POST" });
    await started.arrayBuffer();
    expect(started.status).toBe(202);
    const location = started.headers.get("location") ?? "";
    expect(location.startsWith(`${proxy.url}/v2/proxy/push/blobs/uploads/`)).toBe(true);
    const body = new TextEncoder().encode("through the proxy");
    const digest = `sha256:${Buffer.from(await crypto.subtle.digest("SHA-256", body)).toString("hex")}`;
    const url = new URL(location);
    url.searchParams.set("digest", digest);
    const put = await fetch(url, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body,
    });
    await put.arrayBuffer();
    expect(put.status).toBe(201);
    const back = await fetch(`${proxy.url}/v2/proxy/push/blobs/${digest}`);
    expect(await back.text()).toBe("through the proxy");
    await proxy.settled();
    expect(proxy.log.map((r) => `${r.method} ${r.status}`)).toEqual([
      "POST 202",
      "PUT 201",
      "GET 200",
    ]);
  });

  it("answers 502 when the registry is gone, and closes", async () => {
    const orphan = await startProxy({ target: "http://127.0.0.1:9", latencyMs: 0 });
    try {
      const res = await fetch(`${orphan.url}/v2/`);
      expect(res.status).toBe(502);
      await res.arrayBuffer();
      await orphan.settled();
      expect(orphan.log).toMatchObject([{ method: "GET", path: "/v2/", status: 502 }]);
    } finally {
      await orphan.close();
    }
    await expect(fetch(`${orphan.url}/v2/`)).rejects.toThrow();
  });
});
