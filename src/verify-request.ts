/**
 * The body of `POST /verify` read and checked: the images (bounded, each a
 * valid reference) and the policy to verify them against, a loaded one by
 * name or one built around an inline verifyImages entry. Bad input is a
 * `VerifyBadRequest` carrying the HTTP status and code to answer with.
 */
import type { JsonErrorIssue } from "./json-error.ts";
import { parseReference } from "./oci/reference.ts";
import { formatIssue, readPolicies, type VerifyImagesPolicy } from "./policy/index.ts";

export type VerifyApiErrorCode =
  | "VERIFY_BAD_REQUEST"
  | "VERIFY_NO_IMAGES"
  | "VERIFY_TOO_MANY_IMAGES"
  | "VERIFY_INVALID_REFERENCE"
  | "VERIFY_UNKNOWN_POLICY"
  | "VERIFY_INVALID_POLICY"
  | "PAYLOAD_TOO_LARGE";

/** Images one call may ask about: each costs registry round trips. */
export const MAX_VERIFY_IMAGES: number = 32;
const INLINE_POLICY = "inline";
/** Where the inline entry sits in the policy built around it; issue paths drop it. */
const INLINE_ENTRY_PATH = "spec.rules[0].verifyImages[0]";

export class VerifyBadRequest {
  constructor(
    readonly status: 400 | 404,
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

/** `text` as a verify request, against the policies `loaded`. */
export function readVerifyRequest(
  text: string,
  loaded: readonly VerifyImagesPolicy[],
): VerifyRequest {
  const body = parseBody(text);
  return { images: imagesOf(body), policy: policyOf(body, loaded) };
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
