import { describe, expect, it } from "vitest";
import { isOciError, parseReference, withDigest } from "../../../src/oci/index.ts";
import { SingleFlight } from "../../../src/store/single-flight.ts";
import { distributionError } from "./fake-registry.ts";
import { HOST, harness, ORIGIN, pushImage } from "./setup.ts";

const ref = parseReference(`${HOST}/app:v1`);
const repo = { registry: HOST, repository: "app" };

describe("the per-request store", () => {
  it("makes N concurrent identical manifest fetches one request", async () => {
    const store = new SingleFlight<string, unknown>();
    const { net, registry, makeClient } = harness();
    pushImage(registry, "app");
    const client = makeClient({ store });
    const results = await Promise.all(Array.from({ length: 20 }, () => client.getManifest(ref)));
    expect(net.log).toHaveLength(1);
    expect(new Set(results.map((r) => r.bytes)).size).toBe(20);
    expect(new Set(results.map((r) => r.manifest)).size).toBe(1);
    expect(client.stats).toEqual({ requests: 1, shared: 19 });
    expect(store.stats.loads).toBe(2); // the fetch by tag, plus the same bytes filed under their digest
  });

  it("shares HEADs, token requests and blobs", async () => {
    const { net, registry, makeClient } = harness({ auth: "bearer" });
    const { layer } = pushImage(registry, "app", ["v1", "v2"]);
    const client = makeClient({ store: new SingleFlight() });
    await Promise.all([
      ...Array.from({ length: 5 }, () => client.resolve(ref)),
      ...Array.from({ length: 5 }, () => client.resolve(parseReference(`${HOST}/app:v2`))),
      ...Array.from({ length: 5 }, () => client.getBlob(repo, layer)),
    ]);
    expect(net.requests("/token")).toHaveLength(1);
    expect(net.requests("/manifests/v1", "HEAD").filter((r) => r.authorization)).toHaveLength(1);
    expect(net.requests("/manifests/v2", "HEAD").filter((r) => r.authorization)).toHaveLength(1);
    expect(net.requests("/blobs/").filter((r) => r.authorization)).toHaveLength(1);
  });

  it("never keeps a failure: the next call asks again", async () => {
    const { net, registry, makeClient } = harness();
    const { descriptor } = pushImage(registry, "app");
    let calls = 0;
    net.route(ORIGIN, (req) =>
      ++calls === 1 ? distributionError(500, "UNKNOWN", "flaky") : registry.handle(req),
    );
    const client = makeClient({ store: new SingleFlight() });
    await expect(client.resolve(ref)).rejects.toMatchObject({ code: "REGISTRY_ERROR" });
    expect(await client.resolve(ref)).toEqual(descriptor);
    expect(net.log).toHaveLength(2);
  });

  it("answers a fetch by digest with the bytes a GET by tag brought", async () => {
    const { net, registry, makeClient } = harness({ headDigest: false });
    pushImage(registry, "app");
    const client = makeClient({ store: new SingleFlight() });
    const descriptor = await client.resolve(ref);
    const fetched = await client.getManifest(withDigest(ref, descriptor.digest));
    expect(fetched.descriptor).toEqual(descriptor);
    expect(net.log.map((r) => r.method)).toEqual(["HEAD", "GET"]);
  });

  it("gives each admission its own store and shares tokens across them", async () => {
    const { net, registry, client } = harness({ auth: "bearer", expiresIn: 600 });
    pushImage(registry, "app");
    const first = client.withStore(new SingleFlight());
    const second = client.withStore(new SingleFlight());
    await first.resolve(ref);
    await second.resolve(ref);
    expect(net.log.map((r) => r.url.pathname)).toEqual([
      "/v2/app/manifests/v1",
      "/token",
      "/v2/app/manifests/v1",
      "/v2/app/manifests/v1",
    ]);
    // The second admission went out with the token straight away.
    expect(net.log[3]?.authorization).toBe("Bearer tok-1");
    expect(first.stats.requests).toBe(3);
    expect(second.stats.requests).toBe(1);
  });

  it("lets a waiter whose signal aborts leave while the load goes on for others", async () => {
    const { net, registry, makeClient } = harness();
    const { descriptor } = pushImage(registry, "app");
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    net.route(ORIGIN, async (req) => {
      await gate;
      return registry.handle(req);
    });
    const client = makeClient({ store: new SingleFlight() });
    const starter = client.resolve(ref);
    const leaving = new AbortController();
    const waiter = client.resolve(ref, { signal: leaving.signal });
    leaving.abort();
    const left = await waiter.catch((err: unknown) => err);
    expect(isOciError(left, "ABORTED")).toBe(true);
    release();
    expect(await starter).toEqual(descriptor);
    expect(net.log).toHaveLength(1);
  });

  it("without a store, nothing is shared", async () => {
    const { net, registry, client } = harness();
    pushImage(registry, "app");
    await Promise.all([client.resolve(ref), client.resolve(ref)]);
    expect(net.log).toHaveLength(2);
    expect(client.stats).toEqual({ requests: 2, shared: 0 });
  });
});
