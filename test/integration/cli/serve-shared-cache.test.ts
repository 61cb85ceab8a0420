/**
 * Replicas sharing verified results through a real redis-server, each a
 * `start:<runtime>` process (Node, Bun and Deno), all reaching the real
 * registry through one counting proxy. What one replica verified, another
 * admits without a signature or attestation request (and a pinned image
 * without any request); a value edited in Redis, by someone who can write to
 * it but has not the key, is never believed; with Redis killed, admissions
 * are still answered, correctly and quickly, and /metrics counts the misses.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { type StartedServer, startServer } from "../../support/cli.ts";
import type { Proxy } from "../../support/proxy.ts";
import { type StartedRedis, startRedis } from "../../support/redis.ts";
import { type ServeRuntime, serveEntry } from "../../support/serve-entries.ts";
import { signedScenario } from "../../support/signed-scenario.ts";
import { reviewJson } from "../../unit/engine/core/world.ts";

const TOKEN = "shared-cache-token-0123456789abcdef";
const dir = makeTempDir("shared-cache");
const servers: StartedServer[] = [];
let proxy: Proxy;
let redis: StartedRedis;
let signed: string;
let pinned: string;
let unsigned: string;

beforeAll(async () => {
  redis = await startRedis(dir);
  ({ proxy, signed, pinned, unsigned } = await signedScenario(
    inject("registries").anonymous,
    inject("seededImages").anonymous.ociImage,
    join(dir, "policy.json"),
  ));
  writeFileSync(join(dir, "cache.key"), "a".repeat(64));
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.guarded.stop()));
  await redis?.kill();
  await proxy?.close();
  removeTempDir(dir);
});

async function replica(runtime: ServeRuntime): Promise<string> {
  const [command, ...args] = serveEntry(runtime);
  const server = startServer(
    command as string,
    args,
    {
      IMGVERIFY_POLICIES: join(dir, "policy.json"),
      IMGVERIFY_AUTH_TOKEN: TOKEN,
      IMGVERIFY_INSECURE_REGISTRIES: proxy.host,
      IMGVERIFY_PORT: "0",
      IMGVERIFY_CACHE_URL: redis.url,
      IMGVERIFY_CACHE_KEY_FILE: join(dir, "cache.key"),
      DENO_NO_UPDATE_CHECK: "1",
      DENO_NO_PROMPT: "1",
    },
    dir,
  );
  servers.push(server);
  return server.url;
}

async function admit(base: string, image: string) {
  const started = performance.now();
  // /mutate: a tag is admitted there with its digest pinned (/validate wants the digest).
  const res = await fetch(`${base}/mutate`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(reviewJson([{ name: "c", image }])),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const { response } = JSON.parse(text);
  return {
    allowed: response.allowed as boolean,
    message: response.status?.message as string | undefined,
    ms: performance.now() - started,
  };
}

/** The registry requests `run` makes, as `METHOD path`. */
async function requestsDuring(run: () => Promise<unknown>): Promise<string[]> {
  await proxy.settled();
  proxy.reset();
  await run();
  await proxy.settled();
  return proxy.log.map((r) => `${r.method} ${r.path}`);
}

const metric = async (base: string, name: string): Promise<number> => {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? Number.NaN);
};

const signatureRequests = (log: string[]) => log.filter((line) => /\.sig\b|referrers/.test(line));

describe("replicas sharing verified results through Redis", () => {
  it("lets a second replica admit what the first verified without asking for its signature", async () => {
    const first = await replica("node");
    const cold = await requestsDuring(async () =>
      expect((await admit(first, signed)).allowed).toBe(true),
    );
    expect(signatureRequests(cold).length).toBeGreaterThan(0);

    const second = await replica("bun");
    const log = await requestsDuring(async () =>
      expect((await admit(second, signed)).allowed).toBe(true),
    );
    // Only the tag is resolved again (its digest is not shared); no signature or attestation.
    expect(log).toEqual([expect.stringMatching(/^HEAD \/v2\/.+\/manifests\/v1$/)]);
    expect(await requestsDuring(() => admit(second, pinned))).toEqual([]);
    expect(await metric(second, "imgverify_cache_shared_hits_total")).toBe(1);
    expect((await admit(second, unsigned)).allowed).toBe(false);
  });

  it("never believes a value edited in Redis by a writer without the key", async () => {
    const names = redis.cli("--scan", "--pattern", "imgverify:verified:v1:*").trim().split("\n");
    expect(names).toHaveLength(1);
    const name = names[0] as string;
    const value = redis.cli("get", name).trimEnd();
    const memory = redis.cli("memory", "usage", name).trim();
    console.log(
      `shared cache entry (one key-signed signature): ${value.length} characters, ${memory} bytes in Redis`,
    );
    // Same verdict, another signer: what an attacker would need the MAC to cover.
    const forged = value.replace(/"keyId":"[0-9a-f]+"/, `"keyId":"${"0".repeat(64)}"`);
    expect(forged).not.toBe(value);
    redis.cli("set", name, forged);

    const third = await replica("deno");
    const log = await requestsDuring(async () =>
      expect((await admit(third, pinned)).allowed).toBe(true),
    );
    expect(signatureRequests(log).length).toBeGreaterThan(0);
    expect(await metric(third, "imgverify_cache_shared_errors_total")).toBe(1);
    expect(await metric(third, "imgverify_cache_shared_hits_total")).toBe(0);
    // Verified afresh, the genuine value is written back.
    expect(redis.cli("get", name).trimEnd()).toBe(value);
  });

  it("answers correctly and quickly with Redis killed, counting each miss", async () => {
    await redis.kill();
    const fresh = await replica("node");
    const signedAnswer = await admit(fresh, pinned);
    expect(signedAnswer.allowed).toBe(true);
    expect((await admit(fresh, unsigned)).allowed).toBe(false);
    expect(signedAnswer.ms).toBeLessThan(5_000);
    expect(await metric(fresh, "imgverify_cache_shared_errors_total")).toBeGreaterThan(0);
  });
});
