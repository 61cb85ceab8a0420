/**
 * The verified-result cache's shared tier on the Workers Cache API, so every
 * isolate of the Worker in a data centre reuses what one verified. Entries
 * live under URLs on a host that resolves nowhere (`.invalid`), named by the
 * SHA-256 of the engine's cache key, so nothing outside the Worker can fill or
 * read them by fetching; the engine still checks each value's shape on read.
 * The Cache API is local to a data centre and keeps nothing on `*.workers.dev`
 * (a custom domain is needed); either way, a miss only means verifying again.
 */
import { configId, type SharedVerifiedStore } from "../../engine/index.ts";

/** The slice of the Workers `Cache` used here. */
export interface WorkersCache {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
}

const HOST = "https://verified.imgverify.invalid/";

async function entryUrl(key: string): Promise<string> {
  return `${HOST}${await configId(key)}`;
}

export function workersCacheStore(cache: WorkersCache): SharedVerifiedStore {
  return {
    async get(key) {
      const found = await cache.match(await entryUrl(key));
      return found === undefined ? undefined : found.json();
    },
    async put(key, value, ttlMs) {
      const response = new Response(JSON.stringify(value), {
        headers: {
          "content-type": "application/json",
          "cache-control": `max-age=${Math.max(1, Math.floor(ttlMs / 1000))}`,
        },
      });
      await cache.put(await entryUrl(key), response);
    },
  };
}
