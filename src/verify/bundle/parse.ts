import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  type Bundle,
  bundleFromJSON,
  ValidationError,
} from "@sigstore/bundle";
import { bundleError } from "./errors.ts";

/** A bundle as JSON text, its UTF-8 bytes, or already parsed. */
export type BundleInput = string | Uint8Array | object;

/** Real bundles are a few KiB; DSSE payloads with large predicates stay well below this. */
export const MAX_BUNDLE_BYTES: number = 8 * 1024 * 1024;

const MEDIA_TYPES: ReadonlySet<string> = new Set([
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
]);

/** Parses and validates a Sigstore bundle of media type v0.1, v0.2 or v0.3. */
export function parseBundle(input: BundleInput): Bundle {
  // A parsed input gets the same object check as text: `null` is typed `object` too.
  const json = asObject(
    typeof input === "string" || input instanceof Uint8Array ? parseJson(input) : input,
  );
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== "string" || !MEDIA_TYPES.has(mediaType)) {
    throw bundleError(
      "BUNDLE_INVALID",
      `bundle media type ${JSON.stringify(mediaType)} is not supported`,
    );
  }
  try {
    return bundleFromJSON(json);
  } catch (err) {
    const fields = err instanceof ValidationError ? `: ${err.fields.join(", ")}` : "";
    throw bundleError("BUNDLE_INVALID", `bundle is malformed${fields}`, err);
  }
}

function parseJson(input: string | Uint8Array): unknown {
  const size = typeof input === "string" ? input.length : input.byteLength;
  if (size > MAX_BUNDLE_BYTES) {
    throw bundleError("BUNDLE_INVALID", `bundle is ${size} bytes, more than ${MAX_BUNDLE_BYTES}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof input === "string" ? input : new TextDecoder().decode(input));
  } catch (err) {
    throw bundleError("BUNDLE_INVALID", `bundle is not JSON: ${(err as Error).message}`, err);
  }
  return json;
}

function asObject(json: unknown): object {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw bundleError("BUNDLE_INVALID", "bundle is not a JSON object");
  }
  return json;
}
