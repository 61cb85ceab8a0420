/**
 * `serve`'s TLS material: the serving certificate and key, and the CA whose
 * client certificates the listener demands (`--client-ca`, the API server's
 * certificate from its admission kubeconfig), read at start and again when
 * the files change.
 */

import type { Clock, Logger } from "../../deps.ts";
import { usageError } from "../errors.ts";
import type { StringFlag } from "../flags/args.ts";
import type { CliIo, TlsMaterial } from "../io.ts";
import { readAll } from "../read-all.ts";

/** PEM certificates and keys are a few KiB; a chain of ten fits easily. */
const MAX_PEM_BYTES = 1024 * 1024;
/** How often the TLS files are read again: a rotated certificate is served within this long. */
export const TLS_RELOAD_INTERVAL_MS = 1000;

export const tlsFlags: {
  readonly "tls-cert": StringFlag;
  readonly "tls-key": StringFlag;
  readonly "client-ca": StringFlag;
} = {
  "tls-cert": { type: "string", value: "FILE", description: "PEM certificate chain for HTTPS." },
  "tls-key": { type: "string", value: "FILE", description: "PEM private key for HTTPS." },
  "client-ca": {
    type: "string",
    value: "FILE",
    description:
      "PEM CA: every connection must present a client certificate it signed (needs --tls-cert; Bun and Node only).",
  },
};

export async function readPem(io: CliIo, path: string): Promise<string> {
  const bytes = await readAll(io.readChunks(path), MAX_PEM_BYTES, `file "${path}"`);
  return new TextDecoder().decode(bytes);
}

export interface TlsFiles {
  /** The files, for logs. */
  readonly paths: readonly string[];
  /** Reads every file again; rejects naming the file that cannot be read or holds no PEM. */
  read(): Promise<TlsMaterial>;
}

/** The TLS files the flags name, or undefined for plain HTTP; usage errors name the flag. */
export function tlsFiles(
  io: CliIo,
  flags: {
    "tls-cert": string | undefined;
    "tls-key": string | undefined;
    "client-ca": string | undefined;
  },
): TlsFiles | undefined {
  const { "tls-cert": cert, "tls-key": key } = flags;
  const clientCa = flags["client-ca"];
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined) {
      throw usageError("--client-ca (IMGVERIFY_CLIENT_CA) needs --tls-cert and --tls-key", "serve");
    }
    return undefined;
  }
  if (cert === undefined || key === undefined) {
    throw usageError("--tls-cert and --tls-key must be given together", "serve");
  }
  return {
    paths: clientCa === undefined ? [cert, key] : [cert, key, clientCa],
    async read() {
      const [certPem, keyPem, caPem] = await Promise.all([
        readPem(io, cert),
        readPem(io, key),
        clientCa === undefined ? undefined : readPem(io, clientCa),
      ]);
      if (caPem !== undefined && !caPem.includes("-----BEGIN CERTIFICATE-----")) {
        throw usageError(`--client-ca "${clientCa}" holds no PEM certificate`, "serve");
      }
      return { cert: certPem, key: keyPem, ...(caPem !== undefined && { clientCa: caPem }) };
    },
  };
}

const sameTls = (a: TlsMaterial, b: TlsMaterial): boolean =>
  a.cert === b.cert && a.key === b.key && a.clientCa === b.clientCa;

export interface TlsWatchOptions {
  files: TlsFiles;
  /** What the listener serves now. */
  current: TlsMaterial;
  replace(tls: TlsMaterial): Promise<void>;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Reads the TLS files every `intervalMs` and hands changed material to
 * `replace`: cert-manager and the kubelet rewrite a mounted Secret in place
 * (both files swapped at once), and a pod must start serving the renewed
 * certificate before the old one expires. Material that cannot be read or
 * that the runtime refuses (a key from one renewal and a certificate from the
 * next) leaves the last good certificate in force, is logged once, and is
 * tried again on the next change. Returns the function that stops watching.
 */
export function watchTls(options: TlsWatchOptions): () => void {
  const { files, clock, logger } = options;
  const intervalMs = options.intervalMs ?? TLS_RELOAD_INTERVAL_MS;
  const stopped = new AbortController();
  let served = options.current;
  let refused: TlsMaterial | undefined;
  let unreadable = false;
  const check = async (): Promise<void> => {
    let next: TlsMaterial;
    try {
      next = await files.read();
      unreadable = false;
    } catch (err) {
      if (!unreadable) {
        logger.warn("TLS files not reloaded: the last good certificate stays in force", {
          reason: err instanceof Error ? err.message : String(err),
        });
      }
      unreadable = true;
      return;
    }
    if (sameTls(next, served) || (refused && sameTls(next, refused))) return;
    try {
      await options.replace(next);
      served = next;
      refused = undefined;
      logger.info("TLS certificate reloaded", { files: files.paths });
    } catch (err) {
      refused = next;
      logger.warn("TLS certificate refused: the last good one stays in force", {
        files: files.paths,
        reason: err instanceof Error ? err.message : String(err),
      });
    }
  };
  void (async () => {
    for (;;) {
      try {
        await clock.sleep(intervalMs, stopped.signal);
      } catch {
        return;
      }
      await check();
    }
  })();
  return () => stopped.abort();
}
