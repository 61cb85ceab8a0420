import {
  Agent,
  createServer,
  request as forward,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { criticalPathRtts, type LoggedRequest, requestStats } from "./proxy-log.ts";

export { criticalPathRtts, type LoggedRequest, type RequestStats } from "./proxy-log.ts";

/**
 * A latency-injecting HTTP proxy in front of a harness registry: it plays a
 * remote registry one round trip away, and records every request so tests
 * and benchmarks can count what a client really asked for.
 *
 * Each request waits `latencyMs` (plus up to `jitterMs`) once, before it is
 * forwarded; the body then streams both ways untouched. The target's origin
 * is rewritten to the proxy's in `Location` (blob upload sessions) and
 * `WWW-Authenticate` headers, so a client keeps talking to the proxy. A token
 * realm on another origin (token mode) is left alone: token requests go
 * straight to the token server and are neither delayed nor logged.
 *
 * With `memoize`, a request the registry has answered before is answered
 * again from memory, after the same wait: see `ProxyOptions.memoize`.
 */

export interface ProxyOptions {
  /** "http://127.0.0.1:PORT" of the registry. */
  target: string;
  latencyMs?: number;
  /** Extra delay drawn uniformly from [0, jitterMs] per request. */
  jitterMs?: number;
  /**
   * Answer a GET or HEAD without credentials that the registry answered
   * before (200 or 404; same path, query, `Accept` and `Accept-Encoding`)
   * from memory, after the same injected wait, instead of forwarding it
   * again; every request is still logged. Only for a registry whose content
   * stays put while the proxy runs, as the benchmark's does (it seeds
   * straight into the registry before it measures): a registry across a
   * network does its work on its own machines, while docker-registry on
   * loopback spends 1 to 4.5 ms of CPU per request on the cores the client
   * is timed on. Default false.
   */
  memoize?: boolean;
}

export interface ProxyStats {
  requests: number;
  /** Distinct `METHOD path?query` keys. */
  distinct: number;
  duplicates: { key: string; count: number }[];
}

export interface Proxy {
  /** "http://127.0.0.1:PORT" of the proxy. */
  url: string;
  /** "127.0.0.1:PORT", for image references. */
  host: string;
  /** Requests in the order they finished. */
  readonly log: readonly LoggedRequest[];
  /**
   * Resolves once no request is in flight: a client may hold the last
   * response before the proxy has logged it, so read the log after this.
   */
  settled(): Promise<void>;
  stats(): ProxyStats;
  /** The longest chain of requests each started after the previous ended; see proxy-log.ts. */
  criticalPathRtts(): number;
  /**
   * Forgets the log, not what `memoize` remembers; requests still in flight
   * will land in the fresh one (await settled() first).
   */
  reset(): void;
  setLatency(latencyMs: number, jitterMs?: number): void;
  /** Stops listening and closes every client and upstream socket. */
  close(): Promise<void>;
}

const MAX_LATENCY_MS = 10_000;
/** Most body bytes `memoize` keeps; answers past it are forwarded every time. */
export const MEMO_MAX_BYTES: number = 64 * 1024 * 1024;
const UPSTREAM_TIMEOUT_MS = 30_000;
// Hop-by-hop headers belong to one connection and are not forwarded.
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
]);

function checkedDelay(ms: number, what: string): number {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_LATENCY_MS) {
    throw new Error(`proxy ${what} must be within 0..${MAX_LATENCY_MS} ms, got ${ms}`);
  }
  return ms;
}

function forwardedHeaders(
  headers: IncomingMessage["headers"],
  rewrite: (value: string) => string,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] =
      name === "location" || name === "www-authenticate"
        ? Array.isArray(value)
          ? value.map(rewrite)
          : rewrite(value)
        : value;
  }
  return out;
}

interface Remembered {
  status: number;
  statusMessage: string | undefined;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/**
 * What a memoized answer is filed under, or undefined when the request is
 * always forwarded; `header` reads a request header by lower-case name.
 */
export function memoKey(
  method: string | undefined,
  path: string,
  header: (name: string) => string | undefined,
): string | undefined {
  if (method !== "GET" && method !== "HEAD") return undefined;
  if (header("authorization") !== undefined || header("cookie") !== undefined) return undefined;
  if (header("range") !== undefined) return undefined;
  return `${method} ${path}\n${header("accept") ?? ""}\n${header("accept-encoding") ?? ""}`;
}

function headerText(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Statuses whose answers `memoize` keeps. */
export const MEMOIZED_STATUSES: ReadonlySet<number> = new Set([200, 404]);

export async function startProxy(options: ProxyOptions): Promise<Proxy> {
  const target = new URL(options.target);
  if (target.protocol !== "http:") throw new Error(`proxy target must be http: ${options.target}`);
  let latencyMs = checkedDelay(options.latencyMs ?? 25, "latency");
  let jitterMs = checkedDelay(options.jitterMs ?? 0, "jitter");
  let log: LoggedRequest[] = [];
  const memoize = options.memoize ?? false;
  const memo = new Map<string, Remembered>();
  let memoBytes = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let origin = "";
  let inFlight = 0;
  let whenSettled: (() => void)[] = [];
  const toProxy = (value: string): string => value.split(target.origin).join(origin);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.timeOrigin + performance.now();
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    let status = 0;
    inFlight++;
    res.once("close", () => {
      const endedAt = performance.timeOrigin + performance.now();
      log.push({ method, path, status, startedAt, endedAt });
      if (--inFlight > 0) return;
      for (const resolve of whenSettled) resolve();
      whenSettled = [];
    });
    await sleep(latencyMs + Math.random() * jitterMs);
    const key = memoize ? memoKey(method, path, (name) => headerText(req, name)) : undefined;
    const remembered = key === undefined ? undefined : memo.get(key);
    if (remembered !== undefined) {
      status = remembered.status;
      req.resume();
      res.writeHead(status, remembered.statusMessage, remembered.headers).end(remembered.body);
      return;
    }
    const upstream = forward(
      target,
      {
        agent,
        method,
        path,
        headers: { ...forwardedHeaders(req.headers, (v) => v), host: target.host },
        timeout: UPSTREAM_TIMEOUT_MS,
      },
      (answer) => {
        status = answer.statusCode ?? 502;
        const headers = forwardedHeaders(answer.headers, toProxy);
        res.writeHead(status, answer.statusMessage, headers);
        if (key !== undefined && MEMOIZED_STATUSES.has(status)) {
          const chunks: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => chunks.push(chunk));
          answer.once("end", () => {
            const body = Buffer.concat(chunks);
            if (memo.has(key) || memoBytes + body.length > MEMO_MAX_BYTES) return;
            memoBytes += body.length;
            memo.set(key, { status, statusMessage: answer.statusMessage, headers, body });
          });
        }
        answer.pipe(res);
      },
    );
    upstream.on("timeout", () => upstream.destroy(new Error("upstream timed out")));
    upstream.on("error", (err) => {
      if (res.headersSent) {
        res.destroy(err);
        return;
      }
      status = 502;
      res.writeHead(502, { "content-type": "text/plain" }).end(`proxy: ${err.message}`);
    });
    req.pipe(upstream);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => res.destroy(err as Error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url: origin,
    host: `127.0.0.1:${port}`,
    get log() {
      return log;
    },
    settled: () =>
      inFlight === 0 ? Promise.resolve() : new Promise((resolve) => whenSettled.push(resolve)),
    stats: () => requestStats(log),
    criticalPathRtts: () => criticalPathRtts(log),
    reset() {
      log = [];
    },
    setLatency(ms, jitter = 0) {
      latencyMs = checkedDelay(ms, "latency");
      jitterMs = checkedDelay(jitter, "jitter");
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      });
      return closing;
    },
  };
}
