/**
 * The bounds of `serve`'s cross-request cache: how many verified results it
 * keeps and for how long, and how long a tag's digest is trusted without
 * asking the registry again (default 0: every admission resolves its tags,
 * so a moved tag is seen at once).
 */
import type { VerificationCacheOptions } from "../../engine/index.ts";
import { usageError } from "../errors.ts";
import type { StringFlag } from "../flags/args.ts";
import { parseDuration } from "../flags/duration.ts";

const HOUR_MS = 60 * 60 * 1000;
const MAX_CACHE_TTL_MS = 24 * HOUR_MS;
/** A tag may move at any time: its answer is only worth keeping briefly. */
const MAX_TAG_TTL_MS = HOUR_MS;
const MAX_ENTRIES = 100_000;

export type CacheChoice = Omit<VerificationCacheOptions, "clock">;

export const cacheFlags: {
  readonly "cache-ttl": StringFlag;
  readonly "cache-entries": StringFlag;
  readonly "tag-ttl": StringFlag;
} = {
  "cache-ttl": {
    type: "string",
    value: "DURATION",
    description: "How long a verified result is reused across admissions, up to 24h (default 1h).",
  },
  "cache-entries": {
    type: "string",
    value: "N",
    description: `Most verified results kept, 1 to ${MAX_ENTRIES} (default 1024).`,
  },
  "tag-ttl": {
    type: "string",
    value: "DURATION",
    description:
      "How long a tag's digest is reused without asking the registry, up to 1h (default 0: never).",
  },
};

function boundedDuration(text: string, flag: string, maxMs: number): number {
  const ms = parseDuration(text, flag, "serve", { allowZero: true });
  if (ms > maxMs) throw usageError(`${flag} ${text} is longer than ${maxMs / 60_000}m`, "serve");
  return ms;
}

/** The cache the flags ask for; usage errors name the flag. */
export function parseCacheChoice(flags: {
  "cache-ttl"?: string | undefined;
  "cache-entries"?: string | undefined;
  "tag-ttl"?: string | undefined;
}): CacheChoice {
  const choice: { -readonly [K in keyof CacheChoice]: CacheChoice[K] } = {};
  const entries = flags["cache-entries"];
  if (entries !== undefined) {
    const count = /^\d{1,6}$/.test(entries) ? Number(entries) : Number.NaN;
    if (!(count >= 1 && count <= MAX_ENTRIES)) {
      throw usageError(`--cache-entries must be 1 to ${MAX_ENTRIES}, got "${entries}"`, "serve");
    }
    choice.maxEntries = count;
  }
  const ttl = flags["cache-ttl"];
  if (ttl !== undefined) choice.ttlMs = boundedDuration(ttl, "--cache-ttl", MAX_CACHE_TTL_MS);
  const tagTtl = flags["tag-ttl"];
  if (tagTtl !== undefined) {
    choice.digestTtlMs = boundedDuration(tagTtl, "--tag-ttl", MAX_TAG_TTL_MS);
  }
  return choice;
}
