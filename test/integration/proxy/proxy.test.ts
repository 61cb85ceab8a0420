/**
 * The latency proxy in front of each harness registry: a real pull goes
 * through it, every request is logged with its status and timing, the
 * injected round trip shows, and repeated and chained requests are measured;
 * with `memoize`, a repeated request is answered from memory.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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

describe("proxy memoize", () => {
  let hits: string[] = [];
  let upstream: Server;
  let target = "";

  beforeAll(async () => {
    // An upstream that numbers its answers, so a memoized one shows as an old number.
    upstream = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      const status = req.url === "/missing" ? 404 : req.url === "/broken" ? 500 : 200;
      res
        .writeHead(status, { "content-type": "text/plain", "x-answer": String(hits.length) })
        .end(`answer ${hits.length} for ${req.headers.accept ?? "*"}`);
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    hits = [];
  });
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

  const call = async (proxy: Proxy, path: string, init: RequestInit = {}) => {
    const started = performance.now();
    const res = await fetch(`${proxy.url}${path}`, init);
    const body = await res.text();
    return {
      status: res.status,
      body,
      header: res.headers.get("x-answer"),
      took: performance.now() - started,
    };
  };

  it("answers a repeated GET or HEAD from memory after the same wait, and logs every request", async () => {
    const proxy = await startProxy({ target, latencyMs: 20, memoize: true });
    try {
      const first = await call(proxy, "/a");
      const again = await call(proxy, "/a");
      expect(again).toMatchObject({ status: 200, body: first.body, header: first.header });
      expect(again.took).toBeGreaterThanOrEqual(18);
      // Another Accept, a HEAD, a 404: each asked once, then remembered.
      const json = { headers: { accept: "application/json" } };
      expect((await call(proxy, "/a", json)).body).toBe("answer 2 for application/json");
      expect((await call(proxy, "/a", json)).body).toBe("answer 2 for application/json");
      expect((await call(proxy, "/a", { method: "HEAD" })).header).toBe("3");
      expect((await call(proxy, "/a", { method: "HEAD" })).header).toBe("3");
      expect(await call(proxy, "/missing")).toMatchObject({
        status: 404,
        body: expect.stringMatching(/^answer 4 for /),
      });
      expect(await call(proxy, "/missing")).toMatchObject({
        status: 404,
        body: expect.stringMatching(/^answer 4 for /),
      });
      // Never remembered: a server error, a request with credentials, a POST, a query of its own.
      for (let i = 0; i < 2; i++) {
        await call(proxy, "/broken");
        await call(proxy, "/a", { headers: { authorization: "Bearer t" } });
        await call(proxy, "/a", { method: "POST", body: "x" });
      }
      await call(proxy, "/a?n=1");
      expect(hits).toEqual([
        "GET /a",
        "GET /a",
        "HEAD /a",
        "GET /missing",
        "GET /broken",
        "GET /a",
        "POST /a",
        "GET /broken",
        "GET /a",
        "POST /a",
        "GET /a?n=1",
      ]);
      await proxy.settled();
      expect(proxy.log).toHaveLength(15);
      expect(proxy.stats().duplicates).toContainEqual({ key: "GET /a", count: 6 });
      for (const request of proxy.log) {
        expect(request.endedAt - request.startedAt).toBeGreaterThanOrEqual(18);
      }
      // reset() forgets the log, not the answers.
      proxy.reset();
      expect((await call(proxy, "/a")).body).toBe(first.body);
      expect(hits).toHaveLength(11);
    } finally {
      await proxy.close();
    }
  });

  it("forwards every request without it", async () => {
    const proxy = await startProxy({ target, latencyMs: 0 });
    try {
      const first = await call(proxy, "/a");
      const again = await call(proxy, "/a");
      expect(again.body).not.toBe(first.body);
      expect(hits).toEqual(["GET /a", "GET /a"]);
    } finally {
      await proxy.close();
    }
  });
});
