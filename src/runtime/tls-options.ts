/**
 * The server TLS options Node's https and Bun.serve both take (node:tls's
 * spelling).
 */
import type { TlsMaterial } from "../cli/io.ts";

/**
 * node:https options for `tls`: with a client CA, the handshake itself refuses
 * a client without a certificate that CA signed, before any HTTP is read.
 */
export function serverTlsOptions(tls: TlsMaterial): {
  cert: string;
  key: string;
  ca?: string;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
} {
  const { cert, key, clientCa } = tls;
  if (clientCa === undefined) return { cert, key };
  return { cert, key, ca: clientCa, requestCert: true, rejectUnauthorized: true };
}
