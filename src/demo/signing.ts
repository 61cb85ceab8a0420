/**
 * A cosign key pair made at startup with WebCrypto, and the `.sig` artifact
 * cosign would push for an image: a simple-signing payload layer carrying the
 * DER ECDSA signature in its annotation, tagged `sha256-<hex>.sig`.
 */
import { ecdsaP1363ToDer, encodePem } from "../crypto/index.ts";
import { encodeBase64 } from "../encoding/base64.ts";
import { OCI_MANIFEST } from "../oci/index.ts";
import type { DemoRegistry } from "./registry.ts";

const SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
const CONFIG = "application/vnd.oci.image.config.v1+json";

export interface DemoKey {
  publicKeyPem: string;
  /** A cosign-style signature of `data`: ECDSA P-256 with SHA-256, DER encoded. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export async function generateDemoKey(): Promise<DemoKey> {
  const params = { name: "ECDSA", namedCurve: "P-256" };
  const pair = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  return {
    publicKeyPem: encodePem("PUBLIC KEY", spki),
    async sign(data) {
      const algorithm = { name: "ECDSA", hash: "SHA-256" };
      const raw = await crypto.subtle.sign(algorithm, pair.privateKey, data as BufferSource);
      return ecdsaP1363ToDer(new Uint8Array(raw));
    },
  };
}

/** Pushes the cosign signature of `repo@digest` (pulled as `reference`) signed by `key`. */
export async function pushCosignSignature(
  registry: DemoRegistry,
  repo: string,
  digest: string,
  key: DemoKey,
): Promise<void> {
  const payload = new TextEncoder().encode(
    JSON.stringify({
      critical: {
        identity: { "docker-reference": `${registry.host}/${repo}` },
        image: { "docker-manifest-digest": digest },
        type: "cosign container image signature",
      },
      optional: null,
    }),
  );
  const signature = encodeBase64(await key.sign(payload));
  const layer = await registry.pushBlob(repo, payload, SIMPLE_SIGNING);
  const config = await registry.pushBlob(repo, "{}", CONFIG);
  const annotated = { ...layer, annotations: { "dev.cosignproject.cosign/signature": signature } };
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [annotated] };
  await registry.pushManifest(repo, manifest, `${digest.replace(":", "-")}.sig`);
}
