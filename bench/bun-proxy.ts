/**
 * The benchmark's latency proxy on Bun's own HTTP server, which
 * proxy-process.ts uses under Bun: test/support/proxy.ts's contract with
 * `memoize` (a wait, then what the registry answered before), without
 * node:http's cost per connection. Bun's fetch keeps 64 idle connections,
 * so the 200 blob requests of a 50-image admission open about 136 new ones
 * each time; under node:http the proxy spent 47 to 64 ms of CPU on one such
 * admission, on the two cores the engine is timed on.
 */

import {
  HOP_BY_HOP,
  MEMO_MAX_BYTES,
  MEMOIZED_STATUSES,
  memoKey,
  type Proxy,
} from "../test/support/proxy.ts";
import type { LoggedRequest } from "../test/support/proxy-log.ts";

/** The parts of test/support/proxy.ts's `Proxy` proxy-process.ts serves. */
export type BenchProxy = Pick<Proxy, "url" | "host" | "log" | "settled" | "reset" | "close">;

interface Remembered {
  status: number;
  headers: Headers;
  body: Uint8Array<ArrayBuffer>;
}

/** Headers that pass the proxy: not hop-by-hop, and not the length a body of its own sets. */
function passed(headers: Headers, bodyLength: boolean): Headers {
  const out = new Headers();
  for (const [name, value] of headers) {
    if (HOP_BY_HOP.has(name) || name === "host") continue;
    if (name === "content-length" && !bodyLength) continue;
    out.set(name, value);
  }
  return out;
}

export function startBunProxy(target: string, latencyMs: number): BenchProxy {
  const upstream = new URL(target);
  if (upstream.protocol !== "http:") throw new Error(`proxy target must be http: ${target}`);
  let log: LoggedRequest[] = [];
  const memo = new Map<string, Remembered>();
  let memoBytes = 0;
  let inFlight = 0;
  let whenSettled: (() => void)[] = [];
  const now = (): number => performance.timeOrigin + performance.now();

  const answer = async (req: Request, path: string): Promise<Response> => {
    await Bun.sleep(latencyMs);
    const key = memoKey(req.method, path, (name) => req.headers.get(name) ?? undefined);
    const known = key === undefined ? undefined : memo.get(key);
    // A HEAD answer keeps the Content-Length of the body it does not send.
    const head = req.method === "HEAD";
    if (known !== undefined) {
      return new Response(head ? null : known.body, {
        status: known.status,
        headers: known.headers,
      });
    }
    const res = await fetch(new URL(path, upstream), {
      method: req.method,
      headers: passed(req.headers, true),
      body: req.body,
      redirect: "manual",
    });
    const body = new Uint8Array(await res.arrayBuffer());
    const headers = passed(res.headers, head);
    const location = headers.get("location");
    if (location !== null) headers.set("location", location.split(upstream.origin).join(origin));
    if (key !== undefined && MEMOIZED_STATUSES.has(res.status) && !memo.has(key)) {
      if (memoBytes + body.length <= MEMO_MAX_BYTES) {
        memoBytes += body.length;
        memo.set(key, { status: res.status, headers, body });
      }
    }
    return new Response(head ? null : body, { status: res.status, headers });
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 120,
    async fetch(req) {
      const startedAt = now();
      const url = new URL(req.url);
      const path = `${url.pathname}${url.search}`;
      inFlight++;
      let status = 502;
      try {
        const res = await answer(req, path);
        status = res.status;
        return res;
      } catch (err) {
        return new Response(`proxy: ${(err as Error).message}`, { status: 502 });
      } finally {
        // Logged when the answer is handed to the server: before the client reads it.
        log.push({ method: req.method, path, status, startedAt, endedAt: now() });
        if (--inFlight === 0) {
          for (const resolve of whenSettled) resolve();
          whenSettled = [];
        }
      }
    },
  });
  const origin = `http://127.0.0.1:${server.port}`;
  return {
    url: origin,
    host: `127.0.0.1:${server.port}`,
    get log() {
      return log;
    },
    settled: () =>
      inFlight === 0 ? Promise.resolve() : new Promise((resolve) => whenSettled.push(resolve)),
    reset() {
      log = [];
    },
    close: () => server.stop(true),
  };
}
