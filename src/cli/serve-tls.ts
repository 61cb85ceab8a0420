/**
 * `serve`'s TLS material: the serving certificate and key, and the CA whose
 * client certificates the listener demands (`--client-ca`, the API server's
 * certificate from its admission kubeconfig).
 */

import type { StringFlag } from "./args.ts";
import { usageError } from "./errors.ts";
import type { CliIo, ListenOptions } from "./io.ts";
import { readAll } from "./read-all.ts";

/** PEM certificates and keys are a few KiB; a chain of ten fits easily. */
const MAX_PEM_BYTES = 1024 * 1024;

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
      "PEM CA: every connection must present a client certificate it signed ($IMGVERIFY_CLIENT_CA; needs --tls-cert; Bun and Node only).",
  },
};

export async function readPem(io: CliIo, path: string): Promise<string> {
  const bytes = await readAll(io.readChunks(path), MAX_PEM_BYTES, `file "${path}"`);
  return new TextDecoder().decode(bytes);
}

export async function loadTls(
  io: CliIo,
  flags: {
    "tls-cert": string | undefined;
    "tls-key": string | undefined;
    "client-ca": string | undefined;
  },
): Promise<ListenOptions["tls"]> {
  const { "tls-cert": cert, "tls-key": key } = flags;
  const clientCa = flags["client-ca"] ?? io.env("IMGVERIFY_CLIENT_CA");
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined) {
      throw usageError("--client-ca (IMGVERIFY_CLIENT_CA) needs --tls-cert and --tls-key", "serve");
    }
    return undefined;
  }
  if (cert === undefined || key === undefined) {
    throw usageError("--tls-cert and --tls-key must be given together", "serve");
  }
  const [certPem, keyPem, caPem] = await Promise.all([
    readPem(io, cert),
    readPem(io, key),
    clientCa === undefined ? undefined : readPem(io, clientCa),
  ]);
  if (caPem !== undefined && !caPem.includes("-----BEGIN CERTIFICATE-----")) {
    throw usageError(`--client-ca "${clientCa}" holds no PEM certificate`, "serve");
  }
  return { cert: certPem, key: keyPem, ...(caPem !== undefined && { clientCa: caPem }) };
}
