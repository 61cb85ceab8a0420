/**
 * The body of `POST /verify` read and checked: the images (bounded, each a
 * valid reference) and the policy to verify them against, a loaded one by
 * name or one built around an inline verifyImages entry. Bad input is a
 * `VerifyBadRequest` carrying the HTTP status and code to answer with.
 * What the operator did not enable is refused with 403: an inline entry
 * (its conditions and regexps are code the caller sends), and images no
 * loaded policy verifies (the endpoint is not a probe of any registry).
 */

import { parseReference } from "../oci/reference.ts";
import {
  formatIssue,
  imageVerificationApplies,
  kyvernoImageInfo,
  readPolicies,
  type VerifyImagesPolicy,
} from "../policy/index.ts";
import type { JsonErrorIssue } from "./json-error.ts";

export type VerifyApiErrorCode =
  | "VERIFY_BAD_REQUEST"
  | "VERIFY_NO_IMAGES"
  | "VERIFY_TOO_MANY_IMAGES"
  | "VERIFY_INVALID_REFERENCE"
  | "VERIFY_UNKNOWN_POLICY"
  | "VERIFY_INVALID_POLICY"
  | "FORBIDDEN"
  | "PAYLOAD_TOO_LARGE";

/** What POST /verify may be asked, beyond loaded policies over the images they cover. */
export interface VerifyApiSettings {
  /** Images no loaded policy verifies may be asked about (`--verify-api-any-image`). */
  readonly anyImage: boolean;
  /** The body may carry a verifyImages entry instead of a policy name (`--verify-api-inline-policy`). */
  readonly inlinePolicy: boolean;
}

/** Images one call may ask about: each costs registry round trips. */
export const MAX_VERIFY_IMAGES: number = 32;
const INLINE_POLICY = "inline";
/** Where the inline entry sits in the policy built around it; issue paths drop it. */
const INLINE_ENTRY_PATH = "spec.rules[0].verifyImages[0]";

export class VerifyBadRequest {
  constructor(
    readonly status: 400 | 403 | 404,
    readonly code: VerifyApiErrorCode,
    readonly message: string,
    /** Every bad field, by its path in the request body. */
    readonly issues: readonly JsonErrorIssue[] = [],
  ) {}
}

export interface VerifyRequest {
  images: string[];
  policy: VerifyImagesPolicy;
}

/** `text` as a verify request, against the policies `loaded`, within `settings`. */
export function readVerifyRequest(
  text: string,
  loaded: readonly VerifyImagesPolicy[],
  settings: VerifyApiSettings,
): VerifyRequest {
  const body = parseBody(text);
  const images = imagesOf(body);
  if (!settings.inlinePolicy && body.policy === undefined) {
    throw new VerifyBadRequest(
      403,
      "FORBIDDEN",
      'only loaded policies can be named ("policy"); inline verifyImages entries are refused unless the server runs with --verify-api-inline-policy (IMGVERIFY_VERIFY_API_INLINE_POLICY=on)',
    );
  }
  if (!settings.anyImage) refuseUncovered(images, loaded);
  return { images, policy: policyOf(body, loaded) };
}

/** Refuses the images that no rule of a loaded policy verifies (skipped ones included). */
function refuseUncovered(images: readonly string[], loaded: readonly VerifyImagesPolicy[]): void {
  const verifications = loaded.flatMap((p) => p.rules.flatMap((r) => r.verifyImages));
  const covered = (image: string): boolean => {
    try {
      const info = kyvernoImageInfo(image);
      return verifications.some((v) => imageVerificationApplies(v, info) === "verify");
    } catch {
      // A reference Kyverno cannot read is one no policy can match.
      return false;
    }
  };
  const uncovered = images.filter((image) => !covered(image));
  const [first] = uncovered;
  if (first === undefined) return;
  const more = uncovered.length > 1 ? ` (and ${uncovered.length - 1} more)` : "";
  throw new VerifyBadRequest(
    403,
    "FORBIDDEN",
    `no loaded policy verifies ${first}${more}; other images are refused unless the server runs with --verify-api-any-image (IMGVERIFY_VERIFY_API_ANY_IMAGE=on)`,
    uncovered.map((image) => ({
      path: `images[${images.indexOf(image)}]`,
      message: "no loaded policy verifies this image",
    })),
  );
}

function parseBody(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new VerifyBadRequest(400, "VERIFY_BAD_REQUEST", `the body is not JSON: ${String(err)}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new VerifyBadRequest(400, "VERIFY_BAD_REQUEST", "the body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

function imagesOf(body: Record<string, unknown>): string[] {
  const { images } = body;
  if (!Array.isArray(images) || images.some((i) => typeof i !== "string")) {
    throw new VerifyBadRequest(400, "VERIFY_BAD_REQUEST", '"images" must be an array of strings');
  }
  const unique = [...new Set(images as string[])];
  if (unique.length === 0) throw new VerifyBadRequest(400, "VERIFY_NO_IMAGES", '"images" is empty');
  if (unique.length > MAX_VERIFY_IMAGES) {
    throw new VerifyBadRequest(
      400,
      "VERIFY_TOO_MANY_IMAGES",
      `${unique.length} images asked for; at most ${MAX_VERIFY_IMAGES} per request`,
    );
  }
  const issues: JsonErrorIssue[] = [];
  (images as string[]).forEach((image, i) => {
    try {
      parseReference(image);
    } catch (err) {
      issues.push({
        path: `images[${i}]`,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  });
  const [first] = issues;
  if (first !== undefined) {
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    throw new VerifyBadRequest(400, "VERIFY_INVALID_REFERENCE", `${first.message}${more}`, issues);
  }
  return unique;
}

/** The loaded policy named by `policy`, or one built around the inline verifyImages entry. */
function policyOf(
  body: Record<string, unknown>,
  loaded: readonly VerifyImagesPolicy[],
): VerifyImagesPolicy {
  const { policy: name, images: _images, ...entry } = body;
  if (name !== undefined) {
    if (typeof name !== "string") {
      throw new VerifyBadRequest(400, "VERIFY_BAD_REQUEST", '"policy" must be a policy name');
    }
    if (Object.keys(entry).length > 0) {
      const extra = Object.keys(entry).join(", ");
      throw new VerifyBadRequest(400, "VERIFY_BAD_REQUEST", `give "policy" or ${extra}, not both`);
    }
    const found = loaded.find((p) => p.name === name);
    if (found) return found;
    const known = loaded.map((p) => p.name).join(", ") || "none";
    throw new VerifyBadRequest(
      404,
      "VERIFY_UNKNOWN_POLICY",
      `no policy "${name}" is loaded (${known})`,
    );
  }
  if (entry.attestors === undefined && entry.attestations === undefined) {
    throw new VerifyBadRequest(
      400,
      "VERIFY_BAD_REQUEST",
      'give "policy" (a loaded policy name) or a verifyImages entry with "attestors" or "attestations"',
    );
  }
  const document = {
    apiVersion: "kyverno.io/v1",
    kind: "ClusterPolicy",
    metadata: { name: INLINE_POLICY },
    spec: {
      validationFailureAction: "Enforce",
      rules: [
        {
          name: "verify",
          match: { any: [{ resources: { kinds: ["Pod"] } }] },
          verifyImages: [{ imageReferences: ["*"], ...entry }],
        },
      ],
    },
  };
  const read = readPolicies([{ path: "request", text: JSON.stringify(document) }]);
  const [policy] = read.policies;
  if (read.issues.length > 0 || policy === undefined) {
    const listed = read.issues.map(formatIssue).join("; ") || "no policy";
    throw new VerifyBadRequest(
      400,
      "VERIFY_INVALID_POLICY",
      `the inline entry is refused: ${listed}`,
      read.issues.map((issue) => ({ path: bodyPath(issue.path), message: issue.message })),
    );
  }
  return policy;
}

/** A path in the policy built around the inline entry as a path in the request body. */
function bodyPath(policyPath: string): string {
  if (policyPath === INLINE_ENTRY_PATH) return "";
  const prefix = `${INLINE_ENTRY_PATH}.`;
  return policyPath.startsWith(prefix) ? policyPath.slice(prefix.length) : policyPath;
}
