/**
 * The real webhook (`imgverify serve`) in front of misbehaving registries,
 * with a failurePolicy Fail policy of webhookTimeoutSeconds 3: every
 * admission is answered in time and denied naming the problem, the server's
 * memory stays bounded under the gzip bomb and the endless manifest, and
 * no credential reaches a host it was not configured for.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { removeTempDir } from "../support/cleanup.ts";
import { policyDoc } from "../unit/engine/core/world.ts";
import { authCases, startAuthTraps } from "./auth-traps.ts";
import { aimAt, hostileCases, startCaseRegistry } from "./cases.ts";
import {
  BASIC,
  dockerConfigDir,
  type HostileFixture,
  imageFor,
  prepareFixture,
  rssKb,
  startWebhook,
  type Webhook,
} from "./fixture.ts";
import { gzipBomb } from "./hostile-registry.ts";

const TIMEOUT_S = 3;
const DEADLINE_MS = TIMEOUT_S * 1000 + 1500;
const MAX_RSS_GROWTH_KB = 150 * 1024;
const registry = inject("registries").anonymous;
const bomb = await gzipBomb(512 * 1024 * 1024);
const cases = hostileCases(bomb);
const server = await startCaseRegistry(registry.url, cases);
const traps = await startAuthTraps(registry.url);
const trapCases = authCases(traps);
let fixture: HostileFixture;
let webhook: Webhook;

function writePolicy(dir: string, f: HostileFixture): void {
  const refs = (aim: "cosign" | "bundle") =>
    cases.filter((c) => c.aim === aim).map((c) => `${server.host}/${c.name}/*`);
  const trapRefs = trapCases.map((t) => `${t.registry.host}/${t.name}/*`);
  const cosign = { keys: { publicKeys: f.cosignKey, rekor: { ignoreTlog: true } } };
  const bundle = { keys: { publicKeys: f.bundleKey } };
  const doc = policyDoc({
    name: "hostile",
    failurePolicy: "Fail",
    timeoutSeconds: TIMEOUT_S,
    rules: [
      {
        name: "cosign",
        entries: [
          { imageReferences: [...refs("cosign"), ...trapRefs], attestors: [{ entries: [cosign] }] },
        ],
      },
      {
        name: "bundle",
        entries: [
          {
            type: "SigstoreBundle",
            imageReferences: refs("bundle"),
            attestors: [{ entries: [bundle] }],
          },
        ],
      },
    ],
  });
  mkdirSync(join(dir, "policies"), { recursive: true });
  writeFileSync(join(dir, "policies", "hostile.json"), JSON.stringify(doc));
}

beforeAll(async () => {
  fixture = await prepareFixture(registry, "webhook");
  writePolicy(fixture.dir, fixture);
  webhook = await startWebhook({
    dir: fixture.dir,
    insecure: [server.host, ...traps.hosts],
    dockerConfig: dockerConfigDir(fixture.dir, [server.host, ...traps.credentialHosts]),
    rootFile: fixture.rootFile,
  });
});
afterAll(async () => {
  await webhook?.stop();
  await server.close();
  await traps.close();
  if (fixture) removeTempDir(fixture.dir);
});

describe("imgverify serve against a hostile registry", () => {
  it.each(cases)("$name: $code", async (hostile) => {
    const before = server.requests.length;
    const rssBefore = rssKb(webhook.pid);
    const image = imageFor(server.host, hostile.name, fixture.images[hostile.aim]);
    const { ms, allowed, message } = await webhook.admit(image, DEADLINE_MS + 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const growthKb = rssKb(webhook.pid) - rssBefore;
    const mine = server.requests.slice(before);
    console.log(
      `webhook ${hostile.name}: allowed ${allowed} ${Math.round(ms)} ms, RSS +${Math.round(growthKb / 1024)} MB: ${message.slice(0, 400)}`,
    );
    expect(ms).toBeLessThan(DEADLINE_MS);
    if (hostile.code === undefined) {
      expect(allowed, message).toBe(true);
    } else {
      expect(allowed).toBe(false);
      expect(message).toMatch(hostile.says);
    }
    if (hostile.memory) expect(growthKb).toBeLessThan(MAX_RSS_GROWTH_KB);
    expect(mine.some((r) => aimAt(hostile.aim, r.path))).toBe(true);
    expect(mine.every((r) => r.authorization === null)).toBe(true);
  });

  it.each(trapCases)("$name: denied, no credential leaves", async (trap) => {
    const image = imageFor(trap.registry.host, trap.name, fixture.images.cosign);
    const { ms, allowed, message } = await webhook.admit(image, DEADLINE_MS + 5_000);
    console.log(
      `webhook ${trap.name}: allowed ${allowed} ${Math.round(ms)} ms: ${message.slice(0, 400)}`,
    );
    expect(ms).toBeLessThan(DEADLINE_MS);
    expect(allowed).toBe(false);
    expect(message).toMatch(trap.says);
    expect(trap.elsewhere.requests.length).toBeGreaterThan(0);
    expect(trap.elsewhere.requests.map((r) => r.authorization)).toEqual(
      trap.elsewhere.requests.map(() => null),
    );
    const sawBasic = trap.registry.requests.some((r) => r.authorization === BASIC);
    expect(sawBasic).toBe(trap.registrySaw === "basic");
  });
});
