/**
 * The verified-result cache's shared tier over a store other processes can
 * write (Redis): every value is sealed with HMAC-SHA256 under a key from
 * configuration, over the entry's name and its JSON, and unsealed before the
 * cache looks at it. A MAC, not a checksum: whoever can write to the store
 * can compute a checksum of a forged verdict, but not a MAC without the key;
 * and because the name is under the MAC, a genuine value copied to another
 * image's entry does not unseal there either. A value that does not unseal
 * is an error the cache counts and ignores, so the image is verified afresh.
 *
 * Names are the SHA-256 of the cache's key (fixed length, nothing for the
 * store to parse); values are `v1.<hex MAC>.<JSON>`, bounded in length.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { bytesEqualConstantTime } from "../../crypto/index.ts";
import { engineError } from "../errors.ts";
import type { SharedVerifiedStore } from "./cache.ts";

/** Text values under names, each kept for a while: the slice of Redis used here. */
export interface TextStore {
  get(name: string): Promise<string | null | undefined>;
  set(name: string, text: string, ttlMs: number): Promise<void>;
}

/** 256 bits: as long as the MAC's own output. */
export const MIN_SEAL_KEY_BYTES: number = 32;
/** Longest sealed value read or written; a verified result is a few KiB. */
export const MAX_SEALED_CHARS: number = 256 * 1024;

const NAME_PREFIX = "imgverify:verified:v1:";
const FORMAT = "v1";
const MAC_HEX_CHARS = 64;

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** `store` as the cache's shared tier, every value sealed under `key`. */
export function sealedStore(store: TextStore, key: Uint8Array): SharedVerifiedStore {
  if (key.length < MIN_SEAL_KEY_BYTES) {
    throw engineError(
      "CONFIG_INVALID",
      `the shared cache's key has ${key.length} bytes; at least ${MIN_SEAL_KEY_BYTES} are needed`,
    );
  }
  const macKey = Uint8Array.from(key);
  const nameOf = (cacheKey: string): string =>
    `${NAME_PREFIX}${bytesToHex(sha256(utf8(cacheKey)))}`;
  const mac = (name: string, json: string): Uint8Array =>
    hmac(sha256, macKey, utf8(`${name}\n${json}`));
  return {
    async get(cacheKey) {
      const name = nameOf(cacheKey);
      const text = await store.get(name);
      if (text === null || text === undefined) return undefined;
      return JSON.parse(unseal(text, (json) => mac(name, json)));
    },
    async put(cacheKey, value, ttlMs) {
      const name = nameOf(cacheKey);
      const json = JSON.stringify(value);
      const sealed = `${FORMAT}.${bytesToHex(mac(name, json))}.${json}`;
      // Too large to share is only a miss elsewhere; the cache itself bounds what it keeps.
      if (sealed.length > MAX_SEALED_CHARS) return;
      await store.set(name, sealed, ttlMs);
    },
  };
}

/** The JSON inside `text`; throws, naming the reason, unless its MAC is `expected(json)`. */
function unseal(text: string, expected: (json: string) => Uint8Array): string {
  if (text.length > MAX_SEALED_CHARS) {
    throw new Error(`sealed value of ${text.length} characters, more than ${MAX_SEALED_CHARS}`);
  }
  const macStart = FORMAT.length + 1;
  const jsonStart = macStart + MAC_HEX_CHARS + 1;
  const tag = text.slice(macStart, jsonStart - 1);
  if (
    !text.startsWith(`${FORMAT}.`) ||
    text[jsonStart - 1] !== "." ||
    !/^[0-9a-f]{64}$/.test(tag)
  ) {
    throw new Error("not a sealed value");
  }
  const json = text.slice(jsonStart);
  if (!bytesEqualConstantTime(hexToBytes(tag), expected(json))) {
    throw new Error("the seal does not match: written without the key, or for another entry");
  }
  return json;
}
