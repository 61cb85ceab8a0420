/**
 * The certificates a layer carries (signing certificate and chain
 * annotations) and the path check from a signing certificate to trusted
 * roots at the signing time.
 */
import {
  type Certificate,
  DEFAULT_MAX_CHAIN_LENGTH,
  EKU_CODE_SIGNING,
  parseCertificates,
  verifyChain,
} from "../../crypto/index.ts";
import { isImgverifyError, reasonOf } from "../../errors.ts";
import { cosignError } from "./errors.ts";
import {
  annotation,
  CERTIFICATE_ANNOTATION,
  CHAIN_ANNOTATION,
  type LayerAnnotations,
} from "./layer.ts";

/** The signing certificate annotation, parsed; undefined when the layer has none. */
export function layerCertificate(
  annotations: LayerAnnotations | undefined,
): Certificate | undefined {
  const pem = annotation(annotations, CERTIFICATE_ANNOTATION);
  if (pem === undefined) return undefined;
  const certificates = parseLayerPem(pem, "signing certificate");
  if (certificates.length !== 1) {
    throw cosignError(
      "CERTIFICATE_INVALID",
      `signing certificate annotation holds ${certificates.length} certificates, not one`,
    );
  }
  return certificates[0];
}

/** The chain annotation's certificates (untrusted: only helpers for path building). */
export function layerChain(annotations: LayerAnnotations | undefined): Certificate[] {
  const pem = annotation(annotations, CHAIN_ANNOTATION);
  if (pem === undefined) return [];
  const chain = parseLayerPem(pem, "certificate chain");
  if (chain.length > DEFAULT_MAX_CHAIN_LENGTH) {
    throw cosignError(
      "CERTIFICATE_INVALID",
      `certificate chain annotation holds ${chain.length} certificates, more than ${DEFAULT_MAX_CHAIN_LENGTH}`,
    );
  }
  return chain;
}

function parseLayerPem(pem: string, what: string): Certificate[] {
  try {
    return parseCertificates(pem, `${what} annotation`);
  } catch (err) {
    throw cosignError(
      "CERTIFICATE_INVALID",
      `${what} annotation does not parse: ${reasonOf(err)}`,
      err,
    );
  }
}

/**
 * Every certificate of `path` valid at `at` as well: cosign checks the
 * signing certificate at the log's time besides a timestamp authority's.
 */
export function assertPathValidAt(path: readonly Certificate[], at: Date, when: string): void {
  const outside = path.find((cert) => at < cert.notBefore || at > cert.notAfter);
  if (outside === undefined) return;
  throw cosignError(
    "CERTIFICATE_EXPIRED",
    `${outside.describe()} is valid from ${outside.notBefore.toISOString()} to ${outside.notAfter.toISOString()}, not at ${when} ${at.toISOString()}`,
  );
}

/**
 * The path [leaf, ..., root] to one of `roots`, every certificate valid at
 * `at` and the leaf allowed for code signing (a leaf without extKeyUsage is,
 * as Go's verifier and so cosign treat it). Expiry is `CERTIFICATE_EXPIRED`;
 * every other failure `CHAIN_INVALID`.
 */
export async function verifyCertificatePath(
  leaf: Certificate,
  intermediates: readonly Certificate[],
  roots: readonly Certificate[],
  at: Date,
): Promise<Certificate[]> {
  if (roots.length === 0) {
    throw cosignError(
      "CHAIN_INVALID",
      `${leaf.describe()}: no trusted root was in service to issue it`,
    );
  }
  try {
    return await verifyChain(leaf, intermediates, roots, {
      at,
      extKeyUsage: { oid: EKU_CODE_SIGNING, allowMissing: true },
    });
  } catch (err) {
    if (!isImgverifyError(err)) throw err;
    const expired = err.code === "CERT_EXPIRED" || err.code === "CERT_NOT_YET_VALID";
    throw cosignError(
      expired ? "CERTIFICATE_EXPIRED" : "CHAIN_INVALID",
      `signing certificate path check at ${at.toISOString()} failed: ${err.message}`,
      err,
    );
  }
}
