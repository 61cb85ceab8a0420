/** How verified results read for people: CLI output and admission messages. */
import type { VerifiedSignature, VerifiedSigner } from "./types.ts";

export function describeSigner(signer: VerifiedSigner): string {
  switch (signer.kind) {
    case "key":
      return `key sha256:${signer.keyId}`;
    case "keyless":
      return `${signer.subject} (issuer ${signer.issuer})`;
    case "certificate":
      return `certificate ${signer.subject}`;
  }
}

/** `by <signer> [at <time>] [<format>] <source>`. */
export function describeVerified(result: VerifiedSignature): string {
  const at = result.signedAt === undefined ? "" : ` at ${result.signedAt}`;
  return `by ${describeSigner(result.signer)}${at} [${result.format}] ${result.source}`;
}
