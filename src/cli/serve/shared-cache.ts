/**
 * `serve`'s verified-result cache shared across replicas: a Redis that every
 * replica reads and writes (`--cache-url`), each value sealed with a key the
 * replicas share (`--cache-key-file`), so a process that can write to Redis
 * but does not hold the key cannot make a replica believe a verdict. Without
 * --cache-url each process keeps its own cache, as before.
 */
import type { Logger } from "../../deps.ts";
import type { SharedVerifiedStore } from "../../engine/index.ts";
import { usageError } from "../errors.ts";
import type { StringFlag } from "../flags/args.ts";
import type { CliIo } from "../io.ts";
import { readAll } from "../read-all.ts";

/** A key file holds a short secret (e.g. `openssl rand -hex 32`), never more than this. */
const MAX_KEY_FILE_BYTES = 4096;

export const sharedCacheFlags: {
  readonly "cache-url": StringFlag;
  readonly "cache-key-file": StringFlag;
} = {
  "cache-url": {
    type: "string",
    value: "URL",
    description:
      "A Redis every replica shares verified results through, redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss:// (default: none, each process keeps its own).",
  },
  "cache-key-file": {
    type: "string",
    value: "FILE",
    description:
      "The key (at least 32 bytes) that seals every shared value, the same on every replica; needed with --cache-url.",
  },
};

export interface SharedCache {
  readonly store: SharedVerifiedStore;
  /** Ends the connection, at shutdown. */
  close(): void;
}

/** The Redis --cache-url names, checked before anything connects. */
export function parseCacheUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError("--cache-url is not a URL; give redis://HOST[:PORT][/DB]", "serve");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw usageError(`--cache-url must be redis:// or rediss://, not ${url.protocol}//`, "serve");
  }
  if (url.hostname === "") throw usageError("--cache-url names no host", "serve");
  if (!/^\/?\d{0,2}$/.test(url.pathname)) {
    throw usageError("--cache-url's path must be a database number, e.g. redis://HOST/0", "serve");
  }
  return url;
}

/**
 * The shared tier the flags ask for, or undefined without --cache-url; usage
 * errors name the flag. Connects in the background: a Redis that is down at
 * start is only a cache that misses until it is up.
 */
export async function openSharedCache(
  io: Pick<CliIo, "readChunks">,
  flags: { "cache-url"?: string | undefined; "cache-key-file"?: string | undefined },
  logger: Logger,
): Promise<SharedCache | undefined> {
  const text = flags["cache-url"];
  const keyFile = flags["cache-key-file"];
  if (text === undefined) {
    if (keyFile !== undefined) throw usageError("--cache-key-file needs --cache-url", "serve");
    return undefined;
  }
  const url = parseCacheUrl(text);
  if (keyFile === undefined) {
    throw usageError(
      "--cache-url needs --cache-key-file: the key that seals shared verdicts, so a writer to Redis without it cannot forge one",
      "serve",
    );
  }
  const key = trimmed(
    await readAll(io.readChunks(keyFile), MAX_KEY_FILE_BYTES, `file "${keyFile}"`),
  );
  const [{ sealedStore, MIN_SEAL_KEY_BYTES }, { redisTextStore, redactedRedisUrl }] =
    await Promise.all([import("../../engine/index.ts"), import("./redis-text-store.ts")]);
  if (key.length < MIN_SEAL_KEY_BYTES) {
    throw usageError(
      `--cache-key-file ${keyFile} holds ${key.length} bytes; at least ${MIN_SEAL_KEY_BYTES} are needed (e.g. openssl rand -hex 32)`,
      "serve",
    );
  }
  const redis = await redisTextStore(url, logger);
  logger.info("shared cache", { redis: redactedRedisUrl(url) });
  return { store: sealedStore(redis, key), close: () => redis.close() };
}

/** The key file's bytes without the line break an editor or `echo` leaves. */
function trimmed(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  return bytes.subarray(0, end);
}
