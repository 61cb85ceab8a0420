/**
 * Bun: the in-cluster webhook. `bun src/runtime/bun.ts [serve flags]` (the
 * `npm start` script) serves with `Bun.serve`; outbound HTTP is Bun's own
 * keep-alive fetch.
 */
import type { CliIo, FetchHandler, Listener, ListenOptions, TlsMaterial } from "../cli/io.ts";
import { runCli } from "../cli/main.ts";
import { processIo } from "./cli.ts";
import { type BoundServer, fixedListener, swappingListener } from "./swap-listener.ts";
import { serverTlsOptions } from "./tls-options.ts";

async function bunListen(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  const start = (port: number, tls?: TlsMaterial): BoundServer => {
    const server = Bun.serve({
      hostname: options.host,
      port,
      fetch: handler,
      // Bun.serve takes node:tls's spelling (ca, requestCert, rejectUnauthorized);
      // reusePort lets a replacement bind beside it when the certificate changes.
      ...(tls && { tls: serverTlsOptions(tls), reusePort: true }),
    });
    return {
      port: server.port ?? port,
      stop: () => server.stop(),
      drop: () => void server.stop(true),
    };
  };
  const first = start(options.port, options.tls);
  if (!options.tls) return fixedListener(first);
  return swappingListener(first, start);
}

function bunPlatform(): Pick<CliIo, "fetch" | "listen"> {
  return { fetch: () => (request) => fetch(request), listen: bunListen };
}

if (import.meta.main) {
  const argv = ["serve", ...process.argv.slice(2)];
  process.exitCode = await runCli(argv, { ...processIo(), ...bunPlatform() });
}
