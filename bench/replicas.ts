/**
 * `serve` replicas on Bun, as `npm run start:bun` starts them, sharing
 * verified results through one Redis, each guarded so it never outlives this
 * process.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type StartedServer, startServer } from "../test/support/cli.ts";
import type { StartedRedis } from "../test/support/redis.ts";
import { serveEntry } from "../test/support/serve-entries.ts";

export interface ReplicaSettings {
  policyFile: string;
  token: string;
  /** The registry host the replicas reach over plain HTTP. */
  insecureRegistry: string;
  redis: StartedRedis;
  cacheKeyFile: string;
  /** Working directory of the guards' watchdogs. */
  dir: string;
}

const REDIS_CONNECT_TIMEOUT_MS = 10_000;

/** Redis's count of open connections, `redis-cli`'s own among them. */
const connectedClients = (redis: StartedRedis): number =>
  Number(/^connected_clients:(\d+)/m.exec(redis.cli("info", "clients"))?.[1] ?? 0);

/**
 * Starts `count` replicas, pushing each onto `started` at once (so the
 * caller stops them all, whatever fails later), and resolves with their URLs
 * once every one listens and holds its connection to Redis: a replica still
 * connecting would miss the shared cache and skew what is measured.
 */
export async function startReplicas(
  count: number,
  settings: ReplicaSettings,
  started: StartedServer[],
): Promise<string[]> {
  const [command, ...args] = serveEntry("bun");
  const env = {
    IMGVERIFY_POLICIES: settings.policyFile,
    IMGVERIFY_AUTH_TOKEN: settings.token,
    IMGVERIFY_INSECURE_REGISTRIES: settings.insecureRegistry,
    IMGVERIFY_PORT: "0",
    IMGVERIFY_CACHE_URL: settings.redis.url,
    IMGVERIFY_CACHE_KEY_FILE: settings.cacheKeyFile,
  };
  for (let i = 0; i < count; i++) {
    started.push(startServer(command as string, args, env, settings.dir));
  }
  const urls = await Promise.all(started.slice(-count).map((server) => server.url));
  const deadline = Date.now() + REDIS_CONNECT_TIMEOUT_MS;
  while (connectedClients(settings.redis) < count + 1) {
    if (Date.now() > deadline) throw new Error(`${count} replicas did not all connect to Redis`);
    await sleep(50);
  }
  return urls;
}
