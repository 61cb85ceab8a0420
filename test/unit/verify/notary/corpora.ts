/**
 * Notary Project material from the shared corpora (IMGVERIFY_CORPORA, default
 * ../shared/corpora): notation's e2e OCI layouts and certificates, and
 * notation-go's envelopes and trust stores. Suites using them skip, and say
 * so loudly, when the folder is absent.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { type Certificate, parseCertificate } from "../../../../src/crypto/index.ts";
import { type NotaryTarget, SIGNATURE_ARTIFACT_TYPE } from "../../../../src/verify/notary/index.ts";

const root = resolve(process.env.IMGVERIFY_CORPORA ?? "../shared/corpora");

export const E2E = "notation/test/e2e/testdata";
export const NOTATION_GO = "notation-go";

export const corporaPresent: boolean =
  existsSync(join(root, E2E, "registry", "oci_layout")) && existsSync(join(root, NOTATION_GO));

if (!corporaPresent) {
  console.warn(
    `SKIPPING Notary corpora tests: no notation/notation-go corpora at ${root} (set IMGVERIFY_CORPORA)`,
  );
}

export function corpusBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(root, path)));
}

export function corpusText(path: string): string {
  return readFileSync(join(root, path), "utf8");
}

export interface LayoutSignature {
  /** Digest of the signature manifest. */
  readonly manifest: string;
  /** The envelope layer's media type and bytes. */
  readonly mediaType: string;
  readonly envelope: Uint8Array;
}

export interface Layout {
  /** The descriptor of the image tagged `v1`. */
  readonly image: NotaryTarget;
  /** Signature manifests whose subject is the image. */
  readonly signatures: readonly LayoutSignature[];
}

interface Descriptor extends NotaryTarget {
  annotations?: Record<string, string>;
}

interface Manifest {
  artifactType?: string;
  config?: { mediaType?: string };
  layers?: Descriptor[];
  subject?: Descriptor;
}

/** An OCI layout of notation's e2e data, read as a registry would serve it. */
export function readLayout(name: string): Layout {
  const dir = join(E2E, "registry", "oci_layout", name);
  const blob = (digest: string): Uint8Array => {
    const bytes = corpusBytes(join(dir, "blobs", "sha256", digest.replace(/^sha256:/, "")));
    if (`sha256:${bytesToHex(sha256(bytes))}` !== digest)
      throw new Error(`${dir}: blob ${digest} is corrupt`);
    return bytes;
  };
  const index = JSON.parse(corpusText(join(dir, "index.json"))) as { manifests: Descriptor[] };
  const tagged = index.manifests.find(
    (entry) => entry.annotations?.["org.opencontainers.image.ref.name"] === "v1",
  );
  if (tagged === undefined) throw new Error(`${dir}: no manifest tagged v1`);
  const image = { mediaType: tagged.mediaType, digest: tagged.digest, size: tagged.size };
  const signatures: LayoutSignature[] = [];
  for (const file of readdirSync(join(root, dir, "blobs", "sha256"))) {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(new TextDecoder().decode(blob(`sha256:${file}`))) as Manifest;
    } catch {
      continue; // layers and configs that are not JSON
    }
    const type = manifest.artifactType ?? manifest.config?.mediaType;
    const layer = manifest.layers?.[0];
    if (type !== SIGNATURE_ARTIFACT_TYPE || manifest.subject?.digest !== image.digest || !layer)
      continue;
    signatures.push({
      manifest: `sha256:${file}`,
      mediaType: layer.mediaType,
      envelope: blob(layer.digest),
    });
  }
  return { image, signatures };
}

/** The signing certificate of a JWS envelope, to pin as trusted where the corpora lack the signer's store. */
export function jwsLeaf(envelope: Uint8Array): Certificate {
  const { header } = JSON.parse(new TextDecoder().decode(envelope)) as {
    header: { x5c: string[] };
  };
  return parseCertificate(Uint8Array.from(atob(header.x5c[0] as string), (c) => c.charCodeAt(0)));
}
