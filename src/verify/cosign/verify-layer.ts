/**
 * The checks a signature layer and an attestation layer share, in cosign's
 * order: a trusted TSA's timestamp and the Rekor bundle's SET first (the
 * TSA's time, else the integrated time, else now, is the signing time every
 * certificate must be valid at), then the signer and the signature, then
 * that the logged entry is this layer's.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import type { VerifiedTimestamp } from "../timestamp/index.ts";
import { assertPathValidAt } from "./certificates.ts";
import { cosignError } from "./errors.ts";
import { annotation, assertLayerInput, BUNDLE_ANNOTATION, type LayerAnnotations } from "./layer.ts";
import { type CosignPolicy, type PreparedCosignPolicy, prepareCosignPolicy } from "./policy.ts";
import { type CosignSigner, verifySigner } from "./signer.ts";
import { parseRekorBundle, verifySignedEntryTimestamp } from "./transparency/rekor-bundle.ts";
import { assertEntryMatches, parseEntryBody } from "./transparency/rekor-entry.ts";
import { verifyLayerTimestamp } from "./transparency/tsa-timestamp.ts";
import type { CosignTrust, LogKey } from "./trusted-root.ts";

/** The verified transparency-log entry of a layer. */
export interface CosignTlogEntry {
  /** Lower-case hex ID of the Rekor log. */
  readonly logId: string;
  readonly logIndex: number;
  readonly integratedTime: Date;
  /** The entry's kind and version, e.g. `hashedrekord 0.0.1`. */
  readonly kind: string;
}

/** What a signature or attestation layer is verified from. */
export interface LayerInput {
  /** The layer's bytes, already checked against its descriptor digest. */
  readonly layer: Uint8Array;
  readonly annotations: LayerAnnotations | undefined;
  /** The image manifest digest, `sha256:<hex>`, the layer must be about. */
  readonly imageDigest: string;
  readonly policy: CosignPolicy | PreparedCosignPolicy;
  readonly trust: CosignTrust;
  readonly now: Date;
}

/** A layer input checked (digest form, type, size) and its policy prepared, before any parsing. */
export interface OpenedLayer extends LayerInput {
  readonly policy: PreparedCosignPolicy;
}

export function openLayer(input: LayerInput, maxBytes: number): OpenedLayer {
  assertLayerInput(input.layer, input.imageDigest, maxBytes);
  return { ...input, policy: prepareCosignPolicy(input.policy) };
}

export interface LayerCheck extends OpenedLayer {
  /** What the signatures cover. */
  readonly signed: Uint8Array;
  readonly signatures: readonly Uint8Array[];
  /** The signature a logged hashedrekord/rekord entry must record (simple signing only). */
  readonly loggedSignature: Uint8Array | undefined;
  /** What a TSA stamps: the raw signature, or an attestation's whole envelope (as cosign). */
  readonly timestamped: Uint8Array;
  readonly what: string;
}

export interface VerifiedLayer {
  readonly signer: CosignSigner;
  /** Undefined when the policy ignores the transparency log. */
  readonly tlog: CosignTlogEntry | undefined;
  /** Set when the policy trusts a TSA and the layer carries its timestamp. */
  readonly timestamp: VerifiedTimestamp | undefined;
  /** The time certificates were checked at: the TSA's, else the entry's integrated time, else `now`. */
  readonly signedAt: Date;
}

export async function verifySignedLayer(check: LayerCheck): Promise<VerifiedLayer> {
  const { tlog, tsa } = check.policy;
  const timestamp =
    tsa === undefined
      ? undefined
      : await verifyLayerTimestamp(check.annotations, check.timestamped, tsa, check.what);
  const logged = tlog.required ? await verifiedBundle(check, tlog.keys) : undefined;
  const loggedAt = logged === undefined ? undefined : new Date(logged.bundle.integratedTime * 1000);
  const signedAt = timestamp?.time ?? loggedAt ?? check.now;
  const verified = await verifySigner({ ...check, signedAt });
  // cosign holds the certificate to both times when it has both.
  if (timestamp !== undefined && loggedAt !== undefined) {
    assertPathValidAt(verified.path, loggedAt, "the log's integrated time");
  }
  if (logged === undefined || loggedAt === undefined) {
    return { signer: verified.signer, tlog: undefined, timestamp, signedAt };
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", check.layer as BufferSource));
  assertEntryMatches(logged.entry, {
    layerDigest: bytesToHex(digest),
    signature: check.loggedSignature,
    certificate: verified.certificate,
    key: verified.key,
  });
  const { bundle } = logged;
  return {
    signer: verified.signer,
    tlog: {
      logId: bundle.logId,
      logIndex: bundle.logIndex,
      integratedTime: loggedAt,
      kind: logged.entry.kind,
    },
    timestamp,
    signedAt,
  };
}

async function verifiedBundle(check: LayerCheck, keys: readonly LogKey[] | undefined) {
  const text = annotation(check.annotations, BUNDLE_ANNOTATION);
  if (text === undefined) {
    throw cosignError(
      "TLOG_MISSING",
      `the ${check.what} has no Rekor bundle (${BUNDLE_ANNOTATION}); the policy requires a transparency log entry unless rekor.ignoreTlog is set`,
    );
  }
  const bundle = parseRekorBundle(text);
  await verifySignedEntryTimestamp(bundle, keys ?? check.trust.tlogs);
  return { bundle, entry: parseEntryBody(bundle.body) };
}
