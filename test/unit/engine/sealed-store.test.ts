/**
 * The shared tier over a store others can write: only values sealed under
 * the configured key, for the entry they are read from, are believed.
 */
import { describe, expect, it } from "vitest";
import {
  MAX_SEALED_CHARS,
  sealedStore,
  type TextStore,
  VerificationCache,
} from "../../../src/engine/index.ts";
import { FakeClock } from "../oci/fake-clock.ts";
import { verifiedAttestation as attestation } from "./core/world.ts";

const KEY = new Uint8Array(32).fill(7);
const OTHER_KEY = new Uint8Array(32).fill(8);

function textStore(): TextStore & { texts: Map<string, string>; ttls: number[] } {
  const texts = new Map<string, string>();
  const ttls: number[] = [];
  return {
    texts,
    ttls,
    get: async (name) => texts.get(name),
    set: async (name, text, ttlMs) => {
      texts.set(name, text);
      ttls.push(ttlMs);
    },
  };
}

const cacheOver = (store: TextStore, key = KEY) =>
  new VerificationCache({ clock: new FakeClock(), shared: sealedStore(store, key) });

describe("sealedStore", () => {
  it("hands one process's verified result to another holding the same key, with its TTL", async () => {
    const store = textStore();
    const result = [attestation({ builder: "ci" })];
    await cacheOver(store).rememberVerified("registry/app@sha256:aa|cfg", result);
    expect(store.ttls).toEqual([3_600_000]);
    const [name, text] = [...store.texts][0] as [string, string];
    expect(name).toMatch(/^imgverify:verified:v1:[0-9a-f]{64}$/);
    expect(text).toMatch(/^v1\.[0-9a-f]{64}\.\[/);
    const second = cacheOver(store);
    expect(await second.verified("registry/app@sha256:aa|cfg")).toEqual(result);
    expect(second.stats).toMatchObject({ sharedHits: 1, sharedErrors: 0 });
  });

  it("believes no value written without the key, edited, or moved to another entry", async () => {
    const store = textStore();
    await cacheOver(store).rememberVerified("signed|cfg", [attestation({ builder: "ci" })]);
    const [[signedName, sealed]] = [...store.texts] as [[string, string]];

    // A writer without the key, moving the genuine value to the unsigned image's entry.
    const stranger = textStore();
    await cacheOver(stranger, OTHER_KEY).rememberVerified("unsigned|cfg", [attestation({})]);
    const [[unsignedName, foreign]] = [...stranger.texts] as [[string, string]];
    store.texts.set(unsignedName, sealed);
    const reader = cacheOver(store);
    expect(await reader.verified("unsigned|cfg")).toBeUndefined();

    // The same key's name, sealed under another key.
    store.texts.set(unsignedName, foreign);
    expect(await reader.verified("unsigned|cfg")).toBeUndefined();

    // The genuine entry with its verdict edited, and values that are not sealed at all.
    store.texts.set(signedName, sealed.replace('"ci"', '"evil"'));
    expect(await reader.verified("signed|cfg")).toBeUndefined();
    for (const junk of ["", "v1.", `v1.${"0".repeat(64)}.[]`, `v2${sealed.slice(2)}`, "[]"]) {
      store.texts.set(signedName, junk);
      expect(await reader.verified("signed|cfg")).toBeUndefined();
    }
    expect(reader.stats).toMatchObject({ hits: 0, sharedHits: 0, sharedErrors: 8 });
  });

  it("refuses an oversized value on read and does not write one", async () => {
    const store = textStore();
    const big = [attestation({ blob: "x".repeat(MAX_SEALED_CHARS) })];
    const cache = new VerificationCache({
      clock: new FakeClock(),
      maxEntryBytes: 2 * MAX_SEALED_CHARS,
      shared: sealedStore(store, KEY),
    });
    await cache.rememberVerified("big|cfg", big);
    expect(store.texts.size).toBe(0);
    await cacheOver(store).rememberVerified("small|cfg", [attestation({})]);
    const [[name]] = [...store.texts] as [[string, string]];
    store.texts.set(name, `v1.${"0".repeat(64)}.${" ".repeat(MAX_SEALED_CHARS)}`);
    const reader = cacheOver(store);
    expect(await reader.verified("small|cfg")).toBeUndefined();
    expect(reader.stats.sharedErrors).toBe(1);
  });

  it("refuses a key shorter than 32 bytes", () => {
    expect(() => sealedStore(textStore(), new Uint8Array(31))).toThrow(/at least 32/);
  });
});
