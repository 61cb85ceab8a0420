import { describe, expect, it } from "vitest";
import { parseReference, type RequestEvent } from "../../../src/oci/index.ts";
import { SingleFlight } from "../../../src/store/single-flight.ts";
import { hang } from "./fake-net.ts";
import { distributionError } from "./fake-registry.ts";
import { failure, HOST, harness, ORIGIN, pushImage } from "./setup.ts";

const STORAGE = "https://storage.example.test";
const ref = parseReference(`${HOST}/app:v1`);
const repo = { registry: HOST, repository: "app" };

const redirect = (location: string, status = 307): Response =>
  new Response(null, { status, headers: { location } });

describe("redirects", () => {
  it("follows a blob redirect to storage without the registry's Authorization", async () => {
    const events: RequestEvent[] = [];
    const { net, registry, makeClient } = harness({ auth: "bearer", blobStorage: STORAGE });
    const { layer } = pushImage(registry, "app");
    const bytes = await makeClient({ onRequest: (e) => events.push(e) }).getBlob(repo, layer);
    expect(new TextDecoder().decode(bytes)).toBe("layer of app");
    const toRegistry = net.requests(`/v2/app/blobs/`);
    expect(toRegistry.at(-1)?.authorization).toMatch(/^Bearer /);
    const toStorage = net.log.filter((r) => r.url.origin === STORAGE);
    expect(toStorage).toHaveLength(1);
    expect(toStorage[0]?.authorization).toBeNull();
    // Signed query strings stay out of events.
    expect(events.at(-1)?.url).toBe(`${STORAGE}/blobs/app@${layer.digest}`);
  });

  it("keeps Authorization on a redirect within the registry's origin", async () => {
    const { net, registry, makeClient } = harness({ auth: "basic", users: { u: "p" } });
    pushImage(registry, "app");
    const credentials = {
      lookup: () => ({ kind: "basic" as const, username: "u", password: "p" }),
    };
    const client = makeClient({ credentials });
    net.route(ORIGIN, (req) =>
      new URL(req.url).pathname.endsWith("/v1")
        ? redirect("/v2/app/manifests/v1-moved")
        : registry.handle(req),
    );
    await failure(client.resolve(ref)); // v1-moved does not exist; we only look at the headers sent
    const moved = net.requests("/v1-moved");
    expect(moved.at(-1)?.authorization).toMatch(/^Basic /);
  });

  it("bounds redirect loops", async () => {
    const { net, client } = harness();
    net.route(ORIGIN, (req) =>
      redirect(new URL(req.url).pathname.endsWith("/a") ? "/b" : "/a", 302),
    );
    const err = await failure(client.resolve(ref));
    expect(err.code).toBe("REDIRECT_REFUSED");
    expect(err.message).toMatch(/more than 5 redirects/);
    expect(net.log).toHaveLength(6);
  });

  it("refuses a downgrade from HTTPS to HTTP, even to a listed host", async () => {
    const { net, makeClient } = harness();
    const client = makeClient({ insecureRegistries: ["storage.example.test"] });
    net.route(ORIGIN, () => redirect("http://storage.example.test/blob"));
    const err = await failure(
      client.getBlob(repo, { mediaType: "x", digest: `sha256:${"a".repeat(64)}`, size: 1 }),
    );
    expect(err.code).toBe("REDIRECT_REFUSED");
    expect(err.message).toMatch(/downgrade from HTTPS to http:\/\/storage.example.test\/blob/);
    expect(net.log).toHaveLength(1);
  });

  it("applies the address policy to redirect targets", async () => {
    const { net, client } = harness();
    net.route(ORIGIN, () => redirect("https://169.254.169.254/latest/meta-data/"));
    const err = await failure(client.resolve(ref));
    expect(err.code).toBe("ADDRESS_REFUSED");
    expect(err.message).toContain("169.254.169.254 is a link-local address");
    expect(err.message).toContain("--insecure-registry 169.254.169.254");
    expect(net.log).toHaveLength(1);
  });

  it("refuses a redirect without Location", async () => {
    const { net, client } = harness();
    net.route(ORIGIN, () => new Response(null, { status: 302 }));
    expect((await failure(client.resolve(ref))).message).toMatch(/no valid Location header/);
  });
});

describe("address policy for registries", () => {
  it("refuses a loopback registry unless listed, and then speaks plain HTTP", async () => {
    const { net, makeClient } = harness();
    const local = parseReference("127.0.0.1:5000/app:v1");
    const err = await failure(makeClient().resolve(local));
    expect(err.code).toBe("ADDRESS_REFUSED");
    expect(err.message).toBe(
      "resolving 127.0.0.1:5000/app:v1: refusing https://127.0.0.1:5000/v2/app/manifests/v1: " +
        "127.0.0.1 is a loopback address; to allow it, pass --insecure-registry 127.0.0.1:5000 (config insecureRegistries)",
    );
    expect(net.log).toHaveLength(0);
    await failure(makeClient({ insecureRegistries: ["127.0.0.1:5000"] }).resolve(local));
    expect(net.log[0]?.url.href).toBe("http://127.0.0.1:5000/v2/app/manifests/v1");
  });
});

describe("retries", () => {
  it("waits as long as Retry-After says, then retries", async () => {
    const { net, registry, client, clock } = harness();
    const { descriptor } = pushImage(registry, "app");
    let calls = 0;
    net.route(ORIGIN, (req) =>
      ++calls === 1
        ? new Response(null, { status: 429, headers: { "retry-after": "2" } })
        : registry.handle(req),
    );
    const result = client.resolve(ref);
    await clock.advance(2_000);
    expect(await result).toEqual(descriptor);
    expect(clock.sleeps).toContain(2_000);
    expect(net.log).toHaveLength(2);
  });

  it("reads Retry-After as an HTTP date", async () => {
    const { net, registry, client, clock } = harness();
    pushImage(registry, "app");
    let calls = 0;
    const date = new Date(clock.now() + 3_000).toUTCString();
    net.route(ORIGIN, (req) =>
      ++calls === 1
        ? new Response(null, { status: 503, headers: { "retry-after": date } })
        : registry.handle(req),
    );
    const result = client.resolve(ref);
    await clock.advance(3_000);
    await result;
    expect(clock.sleeps).toContain(3_000);
  });

  it("backs off without Retry-After and gives up after the last attempt", async () => {
    const { net, client, clock } = harness();
    net.route(ORIGIN, () =>
      distributionError(429, "TOOMANYREQUESTS", "You have reached your pull rate limit."),
    );
    const result = failure(client.resolve(ref));
    await clock.advance(1_500);
    const err = await result;
    expect(err).toMatchObject({
      code: "RATE_LIMITED",
      registryCode: "TOOMANYREQUESTS",
      status: 429,
    });
    expect(err.message).toMatch(/gave up after 3 attempts/);
    expect(err.message).toContain("You have reached your pull rate limit.");
    expect(clock.sleeps.filter((ms) => ms !== 10_000)).toEqual([500, 1_000]);
    expect(net.log).toHaveLength(3);
  });

  it("does not wait longer than allowed", async () => {
    const { net, client, clock } = harness();
    net.route(ORIGIN, () => new Response(null, { status: 429, headers: { "retry-after": "30" } }));
    const err = await failure(client.resolve(ref));
    expect(err.code).toBe("RATE_LIMITED");
    expect(err.message).toMatch(/asks to wait 30000 ms, longer than the 10000 ms allowed/);
    expect(clock.sleeps).toEqual([10_000]);
  });

  it("never sleeps past the deadline", async () => {
    const { net, makeClient, clock } = harness();
    net.route(ORIGIN, () => new Response(null, { status: 503, headers: { "retry-after": "6" } }));
    const err = await failure(makeClient({ timeoutMs: 5_000 }).resolve(ref));
    expect(err).toMatchObject({ code: "REGISTRY_ERROR", status: 503 });
    expect(err.message).toMatch(/retrying in 6000 ms would pass the deadline/);
    expect(clock.sleeps).toEqual([5_000]);
  });

  it("does not retry other errors", async () => {
    const { net, client } = harness();
    net.route(ORIGIN, () => distributionError(500, "UNKNOWN", "boom"));
    const err = await failure(client.resolve(ref));
    expect(err).toMatchObject({ code: "REGISTRY_ERROR", registryCode: "UNKNOWN", status: 500 });
    expect(net.log).toHaveLength(1);
  });
});

describe("deadlines", () => {
  it("times out a request that never answers", async () => {
    const { net, client, clock } = harness();
    net.route(ORIGIN, hang);
    const result = failure(client.resolve(ref));
    await clock.advance(10_000);
    const err = await result;
    expect(err.code).toBe("TIMEOUT");
    expect(err.message).toBe(`resolving ${HOST}/app:v1: timed out after 10000 ms`);
  });

  it("gives operations due at the same time one timer, stopped once they end", async () => {
    const { net, registry, client, clock } = harness();
    pushImage(registry, "app");
    pushImage(registry, "other");
    net.route(ORIGIN, (req) =>
      new URL(req.url).pathname.includes("/other/") ? hang(req) : registry.handle(req),
    );
    const other = parseReference(`${HOST}/other:v1`);
    const hanging = [failure(client.resolve(other)), failure(client.getManifest(other))];
    await client.resolve(ref);
    expect(clock.sleeps).toEqual([10_000]);
    expect(clock.pending).toEqual([10_000]);
    await clock.advance(10_000);
    const errors = await Promise.all(hanging);
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ["TIMEOUT", `resolving ${HOST}/other:v1: timed out after 10000 ms`],
      ["TIMEOUT", `fetching the manifest of ${HOST}/other:v1: timed out after 10000 ms`],
    ]);
    await client.resolve(ref);
    expect(clock.pending).toEqual([]);
  });

  it("names its own step when the load it joined times out", async () => {
    const { net, client, clock } = harness();
    net.route(ORIGIN, hang);
    const view = client.withStore(new SingleFlight());
    const first = failure(view.resolve(ref));
    await clock.advance(4_000);
    const joined = failure(view.resolve(ref, { signal: new AbortController().signal }));
    await clock.advance(6_000);
    expect((await first).message).toBe(`resolving ${HOST}/app:v1: timed out after 10000 ms`);
    expect(await joined).toMatchObject({
      code: "TIMEOUT",
      message: `resolving ${HOST}/app:v1: timed out after 10000 ms`,
    });
    expect(net.log).toHaveLength(1);
  });

  it("times out a body that stalls", async () => {
    const { net, client, clock } = harness();
    net.route(
      ORIGIN,
      () => new Response(new ReadableStream({ start: (c) => c.enqueue(new Uint8Array(3)) })),
    );
    const result = failure(client.getManifest(ref));
    await clock.advance(10_000);
    expect((await result).code).toBe("TIMEOUT");
  });

  it("stops a back-off sleep when the caller aborts", async () => {
    const { net, client, clock } = harness();
    net.route(ORIGIN, () => new Response(null, { status: 429, headers: { "retry-after": "4" } }));
    const controller = new AbortController();
    const result = failure(client.resolve(ref, { signal: controller.signal }));
    await clock.advance(1_000);
    expect(clock.pending).toContain(3_000);
    controller.abort();
    expect((await result).code).toBe("ABORTED");
    expect(clock.pending).toEqual([]);
    expect(net.log).toHaveLength(1);
  });

  it("stops when the caller aborts, saying so", async () => {
    const { net, client } = harness();
    net.route(ORIGIN, hang);
    const controller = new AbortController();
    const result = failure(client.resolve(ref, { signal: controller.signal }));
    controller.abort();
    const err = await result;
    expect(err.code).toBe("ABORTED");
    expect(err.message).toBe(`resolving ${HOST}/app:v1: aborted by the caller`);
  });

  it("reports a caller's timeout signal as TIMEOUT", async () => {
    const { net, client } = harness();
    net.route(ORIGIN, hang);
    const controller = new AbortController();
    const result = failure(client.resolve(ref, { signal: controller.signal }));
    controller.abort(new DOMException("signal timed out", "TimeoutError"));
    expect(await result).toMatchObject({
      code: "TIMEOUT",
      message: expect.stringMatching(/the caller's deadline passed/),
    });
  });

  it("refuses to start with an aborted signal", async () => {
    const { net, client } = harness();
    const err = await failure(client.resolve(ref, { signal: AbortSignal.abort() }));
    expect(err.code).toBe("ABORTED");
    expect(net.log).toHaveLength(0);
  });
});

describe("network failures", () => {
  it("reports a failed connection as NETWORK", async () => {
    const { client } = harness();
    const err = await failure(client.resolve(parseReference("unreachable.example.test/app:v1")));
    expect(err.code).toBe("NETWORK");
    expect(err.message).toBe(
      "resolving unreachable.example.test/app:v1: fetch failed: connect ECONNREFUSED unreachable.example.test",
    );
  });
});
