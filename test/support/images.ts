import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { makeTempDir, removeTempDir } from "./cleanup.ts";
import type { Platform, PushedImage, PushedIndex, RegistryInfo } from "./context.ts";
import { run } from "./exec.ts";
import { OCI_INDEX } from "./push.ts";
import { RegistryClient, sha256Digest } from "./registry-client.ts";
import { skopeoCopy } from "./skopeo.ts";

/** Builds images with umoci (no Docker) and pushes them with skopeo. */

export type ManifestFormat = "oci" | "v2s2";

export interface ImageOptions {
  /** Content of the image's one file; defaults to a random string so every image is distinct. */
  content?: string;
  platform?: Platform;
  /** Manifest type in the registry; skopeo converts OCI to Docker v2 schema 2 for "v2s2". */
  format?: ManifestFormat;
}

export interface IndexOptions {
  content?: string;
  /** Defaults to linux/amd64 and linux/arm64; a `variant` is recorded in the index entry only. */
  platforms?: Platform[];
}

interface LayoutEntry {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const REF_NAME = "org.opencontainers.image.ref.name";
const DEFAULT_PLATFORM: Platform = { os: "linux", architecture: "amd64" };
const DEFAULT_INDEX_PLATFORMS: Platform[] = [
  { os: "linux", architecture: "amd64" },
  { os: "linux", architecture: "arm64" },
];
const rootless = process.getuid?.() !== 0 ? ["--rootless"] : [];

async function readLayoutIndex(layout: string): Promise<{ manifests: LayoutEntry[] }> {
  return JSON.parse(await readFile(join(layout, "index.json"), "utf8"));
}

async function layoutEntry(layout: string, tag: string): Promise<LayoutEntry> {
  const entry = (await readLayoutIndex(layout)).manifests.find(
    (m) => m.annotations?.[REF_NAME] === tag,
  );
  if (!entry) throw new Error(`no tag ${tag} in OCI layout ${layout}`);
  return entry;
}

/** Adds image `tag` to `layout`: one layer holding `content`, config set to `platform`. */
async function buildImage(
  dir: string,
  layout: string,
  tag: string,
  content: string,
  platform: Platform,
): Promise<LayoutEntry> {
  const image = `${layout}:${tag}`;
  const file = join(dir, `content-${tag}.txt`);
  await writeFile(file, content);
  await run("umoci", ["new", "--image", image]);
  await run("umoci", ["insert", ...rootless, "--image", image, file, "/imgverify/content.txt"]);
  await run("umoci", [
    "config",
    "--image",
    image,
    "--no-history",
    "--os",
    platform.os,
    "--architecture",
    platform.architecture,
  ]);
  return layoutEntry(layout, tag);
}

/** The registry must serve `reference` with the digest we computed, else the harness itself is broken. */
async function confirmDigest(
  target: RegistryInfo,
  repository: string,
  reference: string,
  expected: string,
): Promise<string> {
  const head = await new RegistryClient(target).headManifest(repository, reference);
  if (head.digest !== expected) {
    throw new Error(
      `${target.host}/${repository}:${reference}: registry has ${head.digest}, expected ${expected}`,
    );
  }
  return head.mediaType;
}

async function withLayout<T>(work: (dir: string, layout: string) => Promise<T>): Promise<T> {
  const dir = makeTempDir("image");
  try {
    const layout = join(dir, "layout");
    await run("umoci", ["init", "--layout", layout]);
    return await work(dir, layout);
  } finally {
    removeTempDir(dir);
  }
}

/** Builds a one-layer image and pushes it as `repository:tag`. */
export function pushImage(
  target: RegistryInfo,
  repository: string,
  tag: string,
  options: ImageOptions = {},
): Promise<PushedImage> {
  const platform = options.platform ?? DEFAULT_PLATFORM;
  const format = options.format ?? "oci";
  return withLayout(async (dir, layout) => {
    const local = await buildImage(dir, layout, tag, options.content ?? randomUUID(), platform);
    const pushed = await skopeoCopy(dir, `oci:${layout}:${tag}`, target, `${repository}:${tag}`, [
      "--format",
      format,
    ]);
    // Only a conversion to v2s2 may change the manifest bytes.
    if (format === "oci" && pushed !== local.digest) {
      throw new Error(`skopeo pushed ${pushed}, layout has ${local.digest}`);
    }
    const mediaType = await confirmDigest(target, repository, tag, pushed);
    return {
      reference: `${target.host}/${repository}:${tag}`,
      repository,
      tag,
      digest: pushed,
      mediaType,
      platform,
    };
  });
}

/** Builds one image per platform, an OCI index over them, and pushes all as `repository:tag`. */
export function pushMultiArchIndex(
  target: RegistryInfo,
  repository: string,
  tag: string,
  options: IndexOptions = {},
): Promise<PushedIndex> {
  const platforms = options.platforms ?? DEFAULT_INDEX_PLATFORMS;
  const content = options.content ?? randomUUID();
  return withLayout(async (dir, layout) => {
    const manifests: { mediaType: string; digest: string; size: number; platform: Platform }[] = [];
    for (const [i, platform] of platforms.entries()) {
      const entry = await buildImage(
        dir,
        layout,
        `${tag}-${i}`,
        `${content} ${platform.architecture}`,
        platform,
      );
      manifests.push({
        mediaType: entry.mediaType,
        digest: entry.digest,
        size: entry.size,
        platform,
      });
    }
    const indexBytes = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests });
    const digest = sha256Digest(indexBytes);
    await writeFile(join(layout, "blobs", "sha256", digest.slice("sha256:".length)), indexBytes);
    const layoutIndex = await readLayoutIndex(layout);
    layoutIndex.manifests.push({
      mediaType: OCI_INDEX,
      digest,
      size: Buffer.byteLength(indexBytes),
      annotations: { [REF_NAME]: tag },
    });
    await writeFile(join(layout, "index.json"), JSON.stringify(layoutIndex));
    const pushed = await skopeoCopy(dir, `oci:${layout}:${tag}`, target, `${repository}:${tag}`, [
      "--all",
    ]);
    if (pushed !== digest) throw new Error(`skopeo pushed index ${pushed}, layout has ${digest}`);
    const mediaType = await confirmDigest(target, repository, tag, digest);
    for (const m of manifests) await confirmDigest(target, repository, m.digest, m.digest);
    return {
      reference: `${target.host}/${repository}:${tag}`,
      repository,
      tag,
      digest,
      mediaType,
      manifests: manifests.map(({ digest, platform }) => ({ digest, platform })),
    };
  });
}
