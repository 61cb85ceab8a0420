/**
 * Node's part of the I/O seam: outbound HTTP through an undici keep-alive
 * Agent (one connection pool per origin, bounded waits) and inbound HTTP
 * through @hono/node-server. Both load on first use so `imgverify --help`
 * and `digest` start without them.
 */
import type { AddressInfo } from "node:net";
import type { Agent, fetch as undiciFetch } from "undici";
import type { CliIo, FetchHandler, Listener, ListenOptions, TlsMaterial } from "../cli/io.ts";
import type { Fetch } from "../deps.ts";
import { serverTlsOptions } from "./tls-options.ts";

/**
 * Sockets per origin: enough for the parallel fetches of many admissions at
 * once, so requests a registry stalls (each held until its admission's
 * deadline) do not queue every other admission behind them; bounded for the
 * registry's sake.
 */
const CONNECTIONS_PER_ORIGIN = 64;
const MAX_CONNECT_MS = 10_000;
const KEEP_ALIVE_MS = 30_000;

/**
 * undici's fetch over a keep-alive Agent. undici (the package) and Node's
 * built-in fetch are separate copies whose Request and Response classes do not
 * mix, so requests go in as URL plus init and responses come back as global
 * `Response` objects that the rest of the code can rely on. `tls.ca` (PEM)
 * is the only CA trusted when given.
 */
export function nodeFetch(timeoutMs: number, tls: { ca?: string } = {}): Fetch {
  let undici: Promise<{ agent: Agent; fetch: typeof undiciFetch }> | undefined;
  const load = async () => {
    const { Agent, fetch } = await import("undici");
    const agent = new Agent({
      connections: CONNECTIONS_PER_ORIGIN,
      // `ca` replaces the default roots: an in-cluster API server is trusted through its own CA only.
      connect: { timeout: Math.min(MAX_CONNECT_MS, timeoutMs), ...tls },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      keepAliveTimeout: KEEP_ALIVE_MS,
    });
    return { agent, fetch };
  };
  return async (request) => {
    undici ??= load();
    const { agent, fetch } = await undici;
    const response = await fetch(request.url, {
      method: request.method,
      headers: [...request.headers],
      redirect: request.redirect,
      signal: request.signal,
      dispatcher: agent,
      // Outbound bodies are small forms (token requests); buffering them avoids
      // handing one copy's stream to the other.
      ...(request.body && { body: await request.arrayBuffer() }),
    });
    return new Response(response.body as ReadableStream<Uint8Array> | null, {
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers],
    });
  };
}

async function nodeListen(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  const { serve } = await import("@hono/node-server");
  const https = options.tls && (await import("node:https"));
  return new Promise((resolve, reject) => {
    try {
      const server = serve(
        {
          fetch: handler,
          hostname: options.host,
          port: options.port,
          ...(https &&
            options.tls && {
              createServer: https.createServer,
              serverOptions: serverTlsOptions(options.tls),
            }),
        },
        (info: AddressInfo) =>
          resolve({
            port: info.port,
            close: () =>
              new Promise<void>((done, fail) => server.close((err) => (err ? fail(err) : done()))),
            terminate: () => {
              if ("closeAllConnections" in server) server.closeAllConnections();
            },
            // Open connections keep the context they were accepted with.
            ...(https &&
              "setSecureContext" in server && {
                replaceTls: async (tls: TlsMaterial) =>
                  server.setSecureContext(serverTlsOptions(tls)),
              }),
          }),
      );
      server.once("error", reject);
    } catch (err) {
      // Bad TLS material throws here, before any socket exists.
      reject(err);
    }
  });
}

/** What Node adds to the shared process I/O: its fetch and its HTTP server. */
export function nodePlatform(): Pick<CliIo, "fetch" | "listen"> {
  return { fetch: ({ timeoutMs }) => nodeFetch(timeoutMs), listen: nodeListen };
}
