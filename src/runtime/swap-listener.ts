/**
 * A listener whose certificate is replaced by starting a second server on the
 * same port (SO_REUSEPORT) and retiring the first: Bun.serve and Deno.serve
 * cannot change the certificate of a running server. The retired server stops
 * accepting at once and finishes the requests it holds, so no admission in
 * flight is dropped. The kernel spreads new connections over both sockets for
 * the moment they overlap; a connection still queued, unaccepted, on the
 * retired socket when it closes is reset, which the event loop that accepts
 * as soon as it can makes a window of microseconds.
 */
import type { Listener, TlsMaterial } from "../cli/io.ts";

/** One running server, as the runtime exposes it. */
export interface BoundServer {
  readonly port: number;
  /** Stops accepting; resolves when the requests it holds have finished. */
  stop(): Promise<void>;
  /** Drops what is still open, or at least stops it keeping the process alive. */
  drop(): void;
}

/** A listener over one server that keeps its certificate (plain HTTP, or no SO_REUSEPORT). */
export function fixedListener(server: BoundServer): Listener {
  return { port: server.port, close: server.stop, terminate: server.drop };
}

/**
 * `first`, serving until `startOn(port, tls)` has bound a replacement; `close`
 * and `terminate` reach every server still draining.
 */
export function swappingListener(
  first: BoundServer,
  startOn: (port: number, tls: TlsMaterial) => BoundServer,
): Listener {
  let current = first;
  const retiring = new Set<BoundServer>();
  const retire = (server: BoundServer): void => {
    retiring.add(server);
    void server.stop().finally(() => retiring.delete(server));
  };
  return {
    port: first.port,
    close: async () => {
      await Promise.all([current.stop(), ...[...retiring].map((s) => s.stop())]);
    },
    terminate: () => {
      for (const server of [current, ...retiring]) server.drop();
    },
    // Binding throws on bad material before anything changes.
    replaceTls: async (tls) => {
      const next = startOn(first.port, tls);
      const old = current;
      current = next;
      retire(old);
    },
  };
}
