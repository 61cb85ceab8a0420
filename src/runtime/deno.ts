/**
 * Deno: `deno run --allow-net --allow-env --allow-read src/runtime/deno.ts
 * [serve flags]` serves with `Deno.serve`; outbound HTTP is Deno's fetch.
 */
import process from "node:process";
import type { CliIo, FetchHandler, Listener, ListenOptions, TlsMaterial } from "../cli/io.ts";
import { runCli } from "../cli/main.ts";
import { ImgverifyError } from "../errors.ts";
import { processIo } from "./cli.ts";
import { type BoundServer, fixedListener, swappingListener } from "./swap-listener.ts";

/** Deno.serve has no option to request or verify a client certificate. */
export type DenoListenErrorCode = "TLS_CLIENT_CA_UNSUPPORTED";

/** The slice of the Deno namespace used here (the project type-checks with Bun's types). */
declare const Deno: {
  serve(
    options: {
      hostname: string;
      port: number;
      cert?: string;
      key?: string;
      reusePort?: boolean;
      onListen?: (addr: { port: number }) => void;
    },
    handler: FetchHandler,
  ): { readonly addr: { port: number }; shutdown(): Promise<void>; unref(): void };
};

/** The longest admission the API server waits for (timeoutSeconds is at most 30). */
const MAX_REQUEST_MS = 30_000;

/**
 * `handler`, counting the requests it holds. Deno's `shutdown()` cuts off a
 * request whose body is still arriving, so a server is shut down only once
 * `settled()` says its requests are done (or after the longest admission).
 * The price: a server retired for a renewed certificate goes on accepting
 * until then, so a new connection may meanwhile get the previous (still
 * valid) certificate; Bun and Node stop serving it at once.
 */
function counted(handler: FetchHandler): { handler: FetchHandler; settled(): Promise<void> } {
  let active = 0;
  let waiting: (() => void)[] = [];
  return {
    handler: async (request) => {
      active++;
      try {
        return await handler(request);
      } finally {
        active--;
        if (active === 0) for (const wake of waiting.splice(0)) wake();
      }
    },
    settled: () =>
      active === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(wake, MAX_REQUEST_MS);
            function wake(): void {
              clearTimeout(timer);
              waiting = waiting.filter((w) => w !== wake);
              resolve();
            }
            waiting.push(wake);
          }),
  };
}

async function denoListen(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  if (options.tls?.clientCa !== undefined) {
    throw new ImgverifyError<DenoListenErrorCode>(
      "TLS_CLIENT_CA_UNSUPPORTED",
      "--client-ca (IMGVERIFY_CLIENT_CA) is refused on Deno: Deno.serve cannot request or verify client certificates. Authenticate callers with a bearer token (IMGVERIFY_AUTH_TOKEN or --auth-token-file), or serve on Bun or Node",
    );
  }
  const start = (port: number, tls: TlsMaterial | undefined, reusePort: boolean): BoundServer => {
    const requests = counted(handler);
    const server = Deno.serve(
      {
        hostname: options.host,
        port,
        ...(tls && { cert: tls.cert, key: tls.key }),
        ...(reusePort && { reusePort }),
        // Silences Deno's own "Listening on" line; the serve command prints its own.
        onListen: () => {},
      },
      requests.handler,
    );
    return {
      port: server.addr.port,
      stop: async () => {
        await requests.settled();
        await server.shutdown();
      },
      // Deno cannot drop open connections; unref lets the process end despite them.
      drop: () => server.unref(),
    };
  };
  if (!options.tls) return fixedListener(start(options.port, undefined, false));
  const tls = options.tls;
  let first: BoundServer;
  try {
    first = start(options.port, tls, true);
  } catch (err) {
    // reusePort on a TLS listener is unstable in Deno 2: without --unstable-net
    // the server runs, and a changed certificate takes a restart.
    if (!(err instanceof Error) || !err.message.includes("--unstable-net")) throw err;
    return fixedListener(start(options.port, tls, false));
  }
  return swappingListener(first, (port, next) => start(port, next, true));
}

function denoPlatform(): Pick<CliIo, "fetch" | "listen"> {
  return { fetch: () => (request) => fetch(request), listen: denoListen };
}

if (import.meta.main) {
  const argv = ["serve", ...process.argv.slice(2)];
  process.exitCode = await runCli(argv, { ...processIo(), ...denoPlatform() });
}
