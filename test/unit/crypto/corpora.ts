/**
 * Real keys, signatures and certificates from the shared corpora
 * (IMGVERIFY_CORPORA, default ../shared/corpora). Suites using them skip, and
 * say so loudly, when the folder is absent.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fromBase64 } from "./fixtures.ts";

const root = resolve(process.env.IMGVERIFY_CORPORA ?? "../shared/corpora");

export const corporaPresent: boolean = existsSync(join(root, "sigstore-rs", "extracted"));

if (!corporaPresent) {
  console.warn(
    `SKIPPING crypto tests on real material: no corpora at ${root} (set IMGVERIFY_CORPORA)`,
  );
}

export function corpusBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(root, path)));
}

export function corpusText(path: string): string {
  return readFileSync(join(root, path), "utf8");
}

export function corpusJson<T>(path: string): T {
  return JSON.parse(corpusText(path)) as T;
}

interface BundleJson {
  verificationMaterial: {
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: { rawBytes: string }[] };
  };
}

/** The DER certificates of a Sigstore bundle (v0.3 `certificate` or v0.1/0.2 chain). */
export function bundleCertificates(path: string): Uint8Array[] {
  const { verificationMaterial: material } = corpusJson<BundleJson>(path);
  const raw = material.certificate
    ? [material.certificate]
    : (material.x509CertificateChain?.certificates ?? []);
  return raw.map((entry) => fromBase64(entry.rawBytes));
}

export interface TrustedRootJson {
  certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
  ctlogs: { logId: { keyId: string }; publicKey: { rawBytes: string } }[];
  tlogs: { publicKey: { rawBytes: string; keyDetails: string } }[];
}

export const PRODUCTION_ROOT = "sigstore-js/derived/trusted_root.production.from-seeds.json";
export const SIGSTORE_RS = "sigstore-rs/extracted";
export const COSIGN_BUNDLE = "cosign/pkg/cosign/testdata/oci-attestation.sigstore.json";
export const SIGSTORE_GO_BUNDLES = "sigstore-go/pkg/testing/data/bundles";
export const NOTATION_E2E = "notation/test/e2e/testdata/config";
export const NOTATION_GO = "notation-go";
