/**
 * Redis as the text store under `serve`'s shared verified-result tier, through
 * ioredis. Tuned so that Redis down or slow can only cost a cache miss: no
 * command waits for a connection (no offline queue, no retries), each one
 * gives up after a second, and the client reconnects in the background.
 * Connection trouble is logged when it starts and when it ends, not once per
 * admission; the engine counts each failed lookup in /metrics.
 */
import type { Logger } from "../../deps.ts";
import type { TextStore } from "../../engine/index.ts";

export interface RedisTextStore extends TextStore {
  /** Ends the connection (at shutdown), waiting for nothing. */
  close(): void;
}

const COMMAND_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 1000;
const MAX_RECONNECT_DELAY_MS = 2000;

/** `redis://host:port/db` without user or password, for logs. */
export function redactedRedisUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`;
}

export async function redisTextStore(url: URL, logger: Logger): Promise<RedisTextStore> {
  const { Redis } = await import("ioredis");
  const where = redactedRedisUrl(url);
  const client = new Redis(url.href, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
  });
  let failing = false;
  client.on("error", (err: Error) => {
    if (failing) return;
    failing = true;
    logger.warn("shared cache unreachable; verifying without it until it is back", {
      redis: where,
      reason: err.message,
    });
  });
  client.on("ready", () => {
    if (failing) logger.info("shared cache reachable again", { redis: where });
    failing = false;
  });
  return {
    get: (name) => client.get(name),
    async set(name, text, ttlMs) {
      await client.set(name, text, "PX", Math.max(1, Math.round(ttlMs)));
    },
    close: () => client.disconnect(),
  };
}
