/**
 * Deno: `deno run --allow-net --allow-env --allow-read src/runtime/deno.ts
 * [serve flags]` serves with `Deno.serve`; outbound HTTP is Deno's fetch.
 */
import process from "node:process";
import type { CliIo, FetchHandler, Listener, ListenOptions } from "../cli/io.ts";
import { runCli } from "../cli/main.ts";
import { ImgverifyError } from "../errors.ts";
import { processIo } from "./cli.ts";

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
      onListen?: (addr: { port: number }) => void;
    },
    handler: FetchHandler,
  ): { readonly addr: { port: number }; shutdown(): Promise<void>; unref(): void };
};

async function denoListen(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  if (options.tls?.clientCa !== undefined) {
    throw new ImgverifyError<DenoListenErrorCode>(
      "TLS_CLIENT_CA_UNSUPPORTED",
      "--client-ca (IMGVERIFY_CLIENT_CA) is refused on Deno: Deno.serve cannot request or verify client certificates. Authenticate callers with a bearer token (IMGVERIFY_AUTH_TOKEN or --auth-token-file), or serve on Bun or Node",
    );
  }
  const server = Deno.serve(
    {
      hostname: options.host,
      port: options.port,
      ...(options.tls && { cert: options.tls.cert, key: options.tls.key }),
      // Silences Deno's own "Listening on" line; the serve command prints its own.
      onListen: () => {},
    },
    handler,
  );
  return {
    port: server.addr.port,
    close: () => server.shutdown(),
    // Deno cannot drop open connections; unref lets the process end despite them.
    terminate: () => server.unref(),
  };
}

function denoPlatform(): Pick<CliIo, "fetch" | "listen"> {
  return { fetch: () => (request) => fetch(request), listen: denoListen };
}

if (import.meta.main) {
  const argv = ["serve", ...process.argv.slice(2)];
  process.exitCode = await runCli(argv, { ...processIo(), ...denoPlatform() });
}
