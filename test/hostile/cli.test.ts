/**
 * The real `imgverify verify` against misbehaving registries: every
 * misbehaviour ends in its coded error, in time, and no credential reaches
 * a host it was not configured for.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { removeTempDir } from "../support/cleanup.ts";
import { runImgverify } from "../support/cli.ts";
import { authCases, startAuthTraps } from "./auth-traps.ts";
import { aimAt, type HostileCase, hostileCases, startCaseRegistry } from "./cases.ts";
import {
  BASIC,
  dockerConfigDir,
  type HostileFixture,
  imageFor,
  prepareFixture,
} from "./fixture.ts";
import { gzipBomb } from "./hostile-registry.ts";

const TIMEOUT_S = 3;
// The CLI's own start (Node, module loading) comes on top of its --timeout.
const DEADLINE_MS = TIMEOUT_S * 1000 + 2500;
const registry = inject("registries").anonymous;
const bomb = await gzipBomb(512 * 1024 * 1024);
const cases = hostileCases(bomb);
const server = await startCaseRegistry(registry.url, cases);
const traps = await startAuthTraps(registry.url);
let fixture: HostileFixture;
let dockerConfig: string;

beforeAll(async () => {
  fixture = await prepareFixture(registry, "cli");
  dockerConfig = dockerConfigDir(fixture.dir, [server.host, ...traps.credentialHosts]);
});
afterAll(async () => {
  await server.close();
  await traps.close();
  if (fixture) removeTempDir(fixture.dir);
});

async function verify(host: string, name: string, aim: HostileCase["aim"]) {
  const insecure = [server.host, ...traps.hosts].flatMap((h) => ["--insecure-registry", h]);
  const args = ["verify", "--json", "--timeout", `${TIMEOUT_S}s`, ...insecure];
  args.push("--key", fixture.keyFile, "--trusted-root", fixture.rootFile);
  args.push("--insecure-ignore-tlog", "--type", aim === "cosign" ? "cosign" : "bundle");
  args.push(imageFor(host, name, fixture.images[aim]));
  const started = performance.now();
  const result = await runImgverify(args, { dockerConfigDir: dockerConfig, timeoutMs: 20_000 });
  const ms = performance.now() - started;
  let json: { verified?: boolean; error?: { code?: string; message?: string } } = {};
  try {
    json = JSON.parse(result.stdout);
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout} ${result.stderr}`);
  }
  return { ...result, json, ms };
}

describe("imgverify verify against a hostile registry", () => {
  it.each(cases)("$name: $code", async (hostile) => {
    const before = server.requests.length;
    const { code, json, ms, stderr } = await verify(server.host, hostile.name, hostile.aim);
    const mine = server.requests.slice(before);
    console.log(
      `cli ${hostile.name}: exit ${code} ${Math.round(ms)} ms ${json.error?.code ?? "verified"}`,
    );
    expect(ms).toBeLessThan(DEADLINE_MS);
    if (hostile.code === undefined) {
      expect({ code, json: json.verified, stderr }).toEqual({ code: 0, json: true, stderr: "" });
    } else {
      expect(json.verified ?? false).toBe(false);
      expect([1, 2]).toContain(code);
      expect(json.error?.code, json.error?.message).toBe(hostile.code);
      expect(json.error?.message).toMatch(hostile.says);
    }
    // The behaviour really was met: the aimed-at request was made.
    expect(mine.some((r) => aimAt(hostile.aim, r.path))).toBe(true);
    // The registry's own credentials stay with it, and are only sent when asked for.
    expect(mine.every((r) => r.authorization === null)).toBe(true);
  });

  it.each(authCases(traps))("$name: $code, no credential leaves", async (trap) => {
    const { name } = trap;
    const { code, json, ms } = await verify(trap.registry.host, name, "cosign");
    console.log(`cli ${name}: exit ${code} ${Math.round(ms)} ms ${json.error?.code}`);
    expect(ms).toBeLessThan(DEADLINE_MS);
    expect(code).toBe(2);
    expect(json.error?.code, json.error?.message).toBe(trap.code);
    expect(json.error?.message).toMatch(trap.says);
    expect(trap.elsewhere.requests.length).toBeGreaterThan(0);
    expect(trap.elsewhere.requests.map((r) => r.authorization)).toEqual(
      trap.elsewhere.requests.map(() => null),
    );
    const sawBasic = trap.registry.requests.some((r) => r.authorization === BASIC);
    expect(sawBasic).toBe(trap.registrySaw === "basic");
  });
});
