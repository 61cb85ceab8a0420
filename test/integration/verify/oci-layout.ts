/**
 * Pushes an OCI image layout to a registry byte for byte: every image
 * manifest with its config and layers (by its `ref.name` tag, else by
 * digest), then every index. skopeo copies images by tag only; signature
 * manifests and referrers indexes are pushed raw.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Descriptor, OCI_INDEX, pushBlob, pushManifest } from "../../support/push.ts";
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
