import type { OciErrorCode } from "../errors.ts";
import { digestProblem } from "./digest.ts";
import {
  isIndexType,
  isSchema1Type,
  MANIFEST_TYPES,
  OCI_INDEX,
  OCI_MANIFEST,
} from "./media-types.ts";

/** Minimal OCI image-spec types: the fields this project reads, the rest kept as is. */

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  "os.version"?: string;
  "os.features"?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
  /** Embedded content, base64. */
  data?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export type Manifest = ImageManifest | ImageIndex;

/** A manifest's JSON, deep-frozen, with the media type it was read as. */
export interface ParsedManifest {
  mediaType: string;
  manifest: Manifest;
}

export type ManifestProblem = { code: OciErrorCode; detail: string };

/**
 * Parses verified manifest bytes. The media type is the JSON's own
 * `mediaType`, else the `Content-Type`, else what the shape says. Returns a
 * problem listing every bad field rather than throwing, so the caller can
 * name the step.
 */
export function parseManifest(
  bytes: Uint8Array,
  contentType: string | undefined,
): ParsedManifest | ManifestProblem {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    return { code: "MANIFEST_INVALID", detail: `not JSON: ${(err as Error).message}` };
  }
  if (!isObject(json)) return { code: "MANIFEST_INVALID", detail: "not a JSON object" };
  const declared = typeof json.mediaType === "string" ? json.mediaType : undefined;
  if (json.schemaVersion === 1 || isSchema1Type(declared ?? contentType ?? "")) {
    return { code: "MANIFEST_UNSUPPORTED", detail: "Docker schema 1 manifests are not supported" };
  }
  const inferred = Array.isArray(json.manifests) ? OCI_INDEX : OCI_MANIFEST;
  const mediaType =
    declared ?? (contentType && MANIFEST_TYPES.includes(contentType) ? contentType : inferred);
  if (!MANIFEST_TYPES.includes(mediaType)) {
    return {
      code: "MANIFEST_UNSUPPORTED",
      detail: `media type "${mediaType}" is not a manifest type this client reads`,
    };
  }
  const problems: string[] = [];
  if (json.schemaVersion !== 2) problems.push("schemaVersion is not 2");
  if (json.mediaType !== undefined && declared === undefined)
    problems.push("mediaType is not a string");
  if (json.artifactType !== undefined && typeof json.artifactType !== "string") {
    problems.push("artifactType is not a string");
  }
  checkAnnotations(json.annotations, "annotations", problems);
  if (json.subject !== undefined) checkDescriptor(json.subject, "subject", problems);
  if (isIndexType(mediaType)) {
    checkList(json.manifests, "manifests", problems);
  } else {
    checkDescriptor(json.config, "config", problems);
    checkList(json.layers, "layers", problems);
  }
  if (problems.length > 0) return { code: "MANIFEST_INVALID", detail: problems.join("; ") };
  return { mediaType, manifest: deepFreeze(json) as unknown as Manifest };
}

export function isManifestProblem(
  value: ParsedManifest | ManifestProblem,
): value is ManifestProblem {
  return "code" in value;
}

export function isImageIndex(manifest: Manifest): manifest is ImageIndex {
  return Array.isArray((manifest as ImageIndex).manifests);
}

function checkList(value: unknown, path: string, problems: string[]): void {
  if (!Array.isArray(value)) {
    problems.push(`${path} is not an array`);
    return;
  }
  value.forEach((item, i) => {
    checkDescriptor(item, `${path}[${i}]`, problems);
  });
}

function checkDescriptor(value: unknown, path: string, problems: string[]): void {
  if (!isObject(value)) {
    problems.push(`${path} is not an object`);
    return;
  }
  if (typeof value.mediaType !== "string" || value.mediaType === "")
    problems.push(`${path}.mediaType is missing`);
  const digest = typeof value.digest === "string" ? digestProblem(value.digest) : "missing";
  if (digest !== undefined) problems.push(`${path}.digest: ${digest}`);
  if (!Number.isSafeInteger(value.size) || (value.size as number) < 0) {
    problems.push(`${path}.size is not a whole number >= 0`);
  }
  if (value.artifactType !== undefined && typeof value.artifactType !== "string") {
    problems.push(`${path}.artifactType is not a string`);
  }
  checkAnnotations(value.annotations, `${path}.annotations`, problems);
  const platform = value.platform;
  if (
    platform !== undefined &&
    !(
      isObject(platform) &&
      typeof platform.os === "string" &&
      typeof platform.architecture === "string"
    )
  ) {
    problems.push(`${path}.platform lacks os or architecture`);
  }
}

function checkAnnotations(value: unknown, path: string, problems: string[]): void {
  if (value === undefined) return;
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === "string")) {
    problems.push(`${path} is not a map of strings`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
