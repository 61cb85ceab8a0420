/**
 * Notary Project envelopes made on the fly: keys and certificates from the
 * crypto tests' fixtures, JWS and COSE written here independently of the code
 * under test, so every rule can be broken one at a time.
 */

import type { Extension } from "@peculiar/asn1-x509";
import { encode, Tagged } from "cborg";
import {
  JWS_MEDIA_TYPE,
  type NotaryAlgorithmName,
  type NotaryResult,
  type NotaryTarget,
  type VerifyNotaryOptions,
  verifyNotarySignature,
} from "../../../../src/verify/notary/index.ts";
import {
  EXT,
  type IssuedCertificate,
  issue,
  type KeySpec,
  pem,
  type TestKey,
  testKey,
  toBase64,
} from "../../crypto/fixtures.ts";

export const IMAGE: NotaryTarget = {
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: `sha256:${"ab".repeat(32)}`,
  size: 1234,
};
/** Inside the fixtures' default validity (2024 to 2034). */
export const SIGNED_AT = new Date("2025-06-01T00:00:00Z");
export const NOW = new Date("2025-07-01T00:00:00Z");
export const PAYLOAD_TYPE = "application/vnd.cncf.notary.payload.v1+json";

export const KU = { digitalSignature: 1, keyEncipherment: 4, keyCertSign: 32 } as const;
export const CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
export const LEAF_EXTENSIONS = (): Extension[] => [
  EXT.keyUsage(KU.digitalSignature),
  EXT.eku(CODE_SIGNING),
];
export const CA_EXTENSIONS = (pathLen?: number): Extension[] => [
  EXT.ca(pathLen),
  EXT.keyUsage(KU.keyCertSign),
];

/** PS512 needs RSA-4096, which the fixtures do not make (too slow to generate per run). */
export type TestAlgorithm = Exclude<NotaryAlgorithmName, "PS512">;
const ALGORITHM: Record<
  TestAlgorithm,
  { spec: KeySpec; cose: number; hash: "sha256" | "sha384" | "sha512" }
> = {
  PS256: { spec: "RSA-2048", cose: -37, hash: "sha256" },
  PS384: { spec: "RSA-3072", cose: -38, hash: "sha384" },
  ES256: { spec: "P-256", cose: -7, hash: "sha256" },
  ES384: { spec: "P-384", cose: -35, hash: "sha384" },
  ES512: { spec: "P-521", cose: -36, hash: "sha512" },
};
const HASH_BYTES = { sha256: 32, sha384: 48, sha512: 64 } as const;

export interface Signer {
  readonly alg: TestAlgorithm;
  readonly key: TestKey;
  /** Leaf first. */
  readonly chain: readonly IssuedCertificate[];
  readonly leaf: IssuedCertificate;
}

/** A self-signed code-signing certificate for `alg`'s key kind, pinned as its own trust. */
export async function selfSignedSigner(
  alg: TestAlgorithm,
  extensions: Extension[] = LEAF_EXTENSIONS(),
  validity: { notBefore?: Date; notAfter?: Date } = {},
): Promise<Signer> {
  const key = await testKey(ALGORITHM[alg].spec);
  const leaf = await issue({ subject: `leaf ${alg}`, key, extensions, ...validity });
  return { alg, key, chain: [leaf], leaf };
}

/** leaf <- intermediate <- root, all ECDSA P-256 (ES256). */
export async function chainSigner(
  options: { leafExtensions?: Extension[]; intermediateExtensions?: Extension[] } = {},
): Promise<Signer & { root: IssuedCertificate; intermediate: IssuedCertificate }> {
  const key = await testKey("P-256");
  const caKey = await testKey("P-384");
  const root = await issue({ subject: "root", key: caKey, extensions: CA_EXTENSIONS() });
  const intermediate = await issue({
    subject: "intermediate",
    key: caKey,
    issuer: root,
    extensions: options.intermediateExtensions ?? CA_EXTENSIONS(0),
    serial: 2,
  });
  const leaf = await issue({
    subject: "leaf",
    key,
    issuer: intermediate,
    extensions: options.leafExtensions ?? LEAF_EXTENSIONS(),
    serial: 3,
  });
  return { alg: "ES256", key, chain: [leaf, intermediate, root], leaf, root, intermediate };
}

export function payloadFor(target: NotaryTarget = IMAGE): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ targetArtifact: target }));
}

async function sign(signer: Signer, data: Uint8Array): Promise<Uint8Array> {
  const { hash } = ALGORITHM[signer.alg];
  return signer.alg.startsWith("ES")
    ? signer.key.sign(data, { hash, format: "p1363" })
    : signer.key.sign(data, { hash, padding: "pss", saltLength: HASH_BYTES[hash] });
}

function base64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export interface JwsParts {
  /** Merged over the default protected header; `undefined` removes a member. */
  protected?: Record<string, unknown>;
  header?: Record<string, unknown>;
  payload?: Uint8Array;
  /** Alters the finished envelope object before it is serialized. */
  edit?: (envelope: Record<string, unknown>) => void;
}

export async function signJws(signer: Signer, parts: JwsParts = {}): Promise<Uint8Array> {
  const merged: Record<string, unknown> = {
    alg: signer.alg,
    cty: PAYLOAD_TYPE,
    crit: ["io.cncf.notary.signingScheme"],
    "io.cncf.notary.signingScheme": "notary.x509",
    "io.cncf.notary.signingTime": SIGNED_AT.toISOString().replace(".000", ""),
    ...parts.protected,
  };
  const header = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined));
  const protectedText = base64Url(new TextEncoder().encode(JSON.stringify(header)));
  const payloadText = base64Url(parts.payload ?? payloadFor());
  const signature = await sign(signer, new TextEncoder().encode(`${protectedText}.${payloadText}`));
  const envelope: Record<string, unknown> = {
    payload: payloadText,
    protected: protectedText,
    header: {
      x5c: signer.chain.map((cert) => toBase64(cert.der)),
      "io.cncf.notary.signingAgent": "imgverify-test",
      ...parts.header,
    },
    signature: base64Url(signature),
  };
  parts.edit?.(envelope);
  return new TextEncoder().encode(JSON.stringify(envelope));
}

export const epoch = (time: Date): Tagged => new Tagged(1, Math.floor(time.getTime() / 1000));

export interface CoseParts {
  /** Set (or, with `undefined`, delete) protected header labels. */
  protected?: [string | number, unknown][];
  unprotected?: [string | number, unknown][];
  payload?: Uint8Array;
  /** Signs these bytes instead of the Sig_structure (to break it on purpose). */
  signedBytes?: (sigStructure: Uint8Array) => Uint8Array;
}

export async function signCose(signer: Signer, parts: CoseParts = {}): Promise<Uint8Array> {
  const header = new Map<string | number, unknown>([
    [1, ALGORITHM[signer.alg].cose],
    [2, ["io.cncf.notary.signingScheme"]],
    [3, PAYLOAD_TYPE],
    ["io.cncf.notary.signingScheme", "notary.x509"],
    ["io.cncf.notary.signingTime", epoch(SIGNED_AT)],
  ]);
  for (const [label, value] of parts.protected ?? []) {
    if (value === undefined) header.delete(label);
    else header.set(label, value);
  }
  const protectedBytes = encode(header);
  const payload = parts.payload ?? payloadFor();
  const sigStructure = encode(["Signature1", protectedBytes, new Uint8Array(0), payload]);
  const signature = await sign(signer, parts.signedBytes?.(sigStructure) ?? sigStructure);
  const unprotected = new Map<string | number, unknown>([
    [33, signer.chain.map((cert) => cert.der)],
    ...(parts.unprotected ?? []),
  ]);
  return encode(new Tagged(18, [protectedBytes, unprotected, payload, signature]));
}

/** Certificates as PEM text. */
export function pemOf(...certificates: IssuedCertificate[]): string {
  return certificates.map((cert) => pem("CERTIFICATE", cert.der)).join("");
}

/** Verifies with the test defaults: JWS, the test image, trust in the chain's last certificate, NOW. */
export function verifyEnvelope(
  signer: Signer,
  envelope: Uint8Array,
  options: Partial<VerifyNotaryOptions> = {},
): Promise<NotaryResult> {
  return verifyNotarySignature({
    envelope,
    mediaType: JWS_MEDIA_TYPE,
    target: IMAGE,
    trustedCertificates: pemOf(signer.chain[signer.chain.length - 1] as IssuedCertificate),
    now: NOW,
    ...options,
  });
}
