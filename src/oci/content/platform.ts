import { OciError } from "../errors.ts";
import type { Descriptor, ImageIndex, Platform } from "./manifest.ts";

/** Picking one platform's manifest out of an image index. */

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

export const DEFAULT_PLATFORM: Readonly<PlatformSpec> = Object.freeze({
  os: "linux",
  architecture: "amd64",
});

/** Variants assumed when an index entry or a request names none (as containerd does). */
const DEFAULT_VARIANTS: Readonly<Record<string, string>> = { arm64: "v8", arm: "v7" };

/** `os/architecture[/variant]`, e.g. `linux/arm64/v8`; throws `CONFIG_INVALID` otherwise. */
export function parsePlatform(text: string): PlatformSpec {
  const parts = text.split("/");
  const [os, architecture, variant] = parts;
  if (parts.length > 3 || !os || !architecture || variant === "") {
    throw new OciError("CONFIG_INVALID", `platform "${text}" is not os/architecture[/variant]`);
  }
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(platform: PlatformSpec | Platform): string {
  const variant = platform.variant ? `/${platform.variant}` : "";
  return `${platform.os}/${platform.architecture}${variant}`;
}

/**
 * The descriptor of the first manifest in `index` for `want` (default
 * linux/amd64); throws `PLATFORM_NOT_FOUND` listing what the index has.
 * `reference` names the index in the message.
 */
export function selectPlatform(
  index: ImageIndex,
  want: PlatformSpec | string = DEFAULT_PLATFORM,
  reference?: string,
): Descriptor {
  const wanted = typeof want === "string" ? parsePlatform(want) : want;
  const found = index.manifests.find(
    (d) => d.platform !== undefined && matches(d.platform, wanted),
  );
  if (found) return found;
  const available = index.manifests.flatMap((d) =>
    d.platform ? [formatPlatform(d.platform)] : [],
  );
  const where = reference === undefined ? "the index" : reference;
  const has =
    available.length > 0 ? `it has ${[...new Set(available)].join(", ")}` : "it names no platforms";
  throw new OciError(
    "PLATFORM_NOT_FOUND",
    `${where}: no manifest for ${formatPlatform(wanted)}; ${has}`,
    {
      ...(reference !== undefined && { reference }),
    },
  );
}

function matches(platform: Platform, wanted: PlatformSpec): boolean {
  return (
    platform.os === wanted.os &&
    platform.architecture === wanted.architecture &&
    variantOf(platform) === variantOf(wanted)
  );
}

function variantOf(platform: PlatformSpec | Platform): string {
  return platform.variant || (DEFAULT_VARIANTS[platform.architecture] ?? "");
}
