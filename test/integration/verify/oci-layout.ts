/**
 * Pushes an OCI image layout to a registry byte for byte: every image
 * manifest with its config and layers (by its `ref.name` tag, else by
 * digest), then every index. skopeo copies images by tag only; signature
 * manifests and referrers indexes are pushed raw.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Descriptor,
  OCI_INDEX,
  pushBlob,
  pushIndex,
  pushManifest,
  referrersTag,
} from "../../support/push.ts";
import type { RegistryClient as HarnessClient } from "../../support/registry-client.ts";

const REF_NAME = "org.opencontainers.image.ref.name";

interface LayoutManifest {
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
}

export interface PushedLayout {
  /** Every manifest of the layout's index, as listed there. */
  entries: Descriptor[];
  /** The JSON of a manifest of the layout, by digest. */
  manifest(digest: string): LayoutManifest;
  /** The bytes of a blob of the layout, by digest. */
  blob(digest: string): Buffer;
}

export async function pushLayout(
  client: HarnessClient,
  layout: string,
  repository: string,
): Promise<PushedLayout> {
  const blob = (digest: string): Buffer => {
    const path = join(layout, "blobs", "sha256", digest.replace("sha256:", ""));
    if (!existsSync(path)) throw new Error(`layout ${layout} lacks blob ${digest}`);
    return readFileSync(path);
  };
  const manifest = (digest: string): LayoutManifest => JSON.parse(blob(digest).toString("utf8"));
  const { manifests: entries } = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as {
    manifests: (Descriptor & { annotations?: Record<string, string> })[];
  };
  const ordered = [...entries].sort(
    (a, b) => Number(a.mediaType === OCI_INDEX) - Number(b.mediaType === OCI_INDEX),
  );
  for (const entry of ordered) {
    if (entry.mediaType !== OCI_INDEX) {
      const { config, layers = [] } = manifest(entry.digest);
      for (const part of [...(config ? [config] : []), ...layers]) {
        await pushBlob(client, repository, blob(part.digest), part.mediaType);
      }
    }
    const reference = entry.annotations?.[REF_NAME] ?? entry.digest;
    await pushManifest(client, repository, reference, blob(entry.digest), entry.mediaType);
  }
  return { entries, manifest, blob };
}

const NOTARY = "application/vnd.cncf.notary.signature";

export interface SignedLayout {
  pushed: PushedLayout;
  /** The layout's one image (the manifest without a subject). */
  image: Descriptor;
  /** The manifests whose subject is the image. */
  signatures: Descriptor[];
}

/**
 * Pushes a notation layout: its image and the signatures of it, listed under
 * the referrers fallback tag as a registry would when the layout lacks it.
 */
export async function pushSignedLayout(
  client: HarnessClient,
  layout: string,
  repository: string,
): Promise<SignedLayout> {
  const pushed = await pushLayout(client, layout, repository);
  const image = pushed.entries.find(
    (e) => e.mediaType !== OCI_INDEX && pushed.manifest(e.digest).subject === undefined,
  );
  if (image === undefined) throw new Error(`${layout} holds no image`);
  const signatures = pushed.entries.filter(
    (e) => pushed.manifest(e.digest).subject?.digest === image.digest,
  );
  // Layouts written with the referrers API lack the fallback index.
  if (!pushed.entries.some((e) => e.mediaType === OCI_INDEX) && signatures.length > 0) {
    const listed: Descriptor[] = signatures.map((s) => ({
      ...s,
      artifactType:
        pushed.manifest(s.digest).artifactType ??
        pushed.manifest(s.digest).config?.mediaType ??
        NOTARY,
    }));
    await pushIndex(client, repository, referrersTag(image.digest), listed);
  }
  return { pushed, image, signatures };
}

/** The signing certificate of a JWS signature (its x5c's first), as PEM. */
export function signerPem(pushed: PushedLayout, signature: Descriptor | undefined): string {
  if (signature === undefined) throw new Error("no signature to take the certificate from");
  const [layer] = pushed.manifest(signature.digest).layers ?? [];
  if (layer === undefined) throw new Error(`signature ${signature.digest} has no layer`);
  const envelope = JSON.parse(pushed.blob(layer.digest).toString("utf8")) as {
    header: { x5c: string[] };
  };
  return derToPem(envelope.header.x5c[0] ?? "");
}

/** A base64 DER certificate as PEM. */
function derToPem(base64: string): string {
  return `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)?.join("\n")}\n-----END CERTIFICATE-----\n`;
}
