/**
 * The payload of a classic cosign signature
 * (`application/vnd.dev.cosign.simplesigning.v1+json`):
 * `{"critical": {"identity": {"docker-reference"}, "image":
 * {"docker-manifest-digest"}, "type"}, "optional": {...} | null}`.
 */
import { isObject, parseJson } from "./encoding.ts";
import { cosignError } from "./errors.ts";

export interface SimpleSigningPayload {
  /** `critical.identity.docker-reference`: the name the signer gave the image (informational). */
  readonly dockerReference: string | undefined;
  /** `critical.image.docker-manifest-digest`. */
  readonly dockerManifestDigest: string;
  /** `critical.type`. */
  readonly type: string;
  /** `optional`: the signer's annotations, which Kyverno attestors may require. */
  readonly annotations: Readonly<Record<string, unknown>> | undefined;
}

/** The types cosign's verifiers accept: its own, and the containers/image "atomic" one. */
const SIGNATURE_TYPES: ReadonlySet<string> = new Set([
  "cosign container image signature",
  "atomic container signature",
]);

/** Parses `bytes` and checks its type; `PAYLOAD_INVALID` lists every malformed field. */
export function parseSimpleSigning(bytes: Uint8Array, maxBytes: number): SimpleSigningPayload {
  const json = parseJson(bytes, "simple-signing payload", "PAYLOAD_INVALID", maxBytes);
  if (!isObject(json) || !isObject(json.critical)) {
    throw cosignError("PAYLOAD_INVALID", "simple-signing payload has no critical object");
  }
  const { critical, optional } = json;
  const problems: string[] = [];
  const image = isObject(critical.image) ? critical.image : {};
  const digest = image["docker-manifest-digest"];
  if (typeof digest !== "string")
    problems.push("critical.image.docker-manifest-digest is not a string");
  const identity = critical.identity;
  const reference = isObject(identity) ? identity["docker-reference"] : undefined;
  if (
    (identity !== undefined && !isObject(identity)) ||
    (reference !== undefined && typeof reference !== "string")
  ) {
    problems.push("critical.identity.docker-reference is not a string");
  }
  if (typeof critical.type !== "string") problems.push("critical.type is not a string");
  if (optional !== undefined && optional !== null && !isObject(optional)) {
    problems.push("optional is neither an object nor null");
  }
  if (problems.length > 0) {
    throw cosignError(
      "PAYLOAD_INVALID",
      `simple-signing payload is malformed: ${problems.join("; ")}`,
    );
  }
  const type = critical.type as string;
  if (!SIGNATURE_TYPES.has(type)) {
    throw cosignError(
      "PAYLOAD_TYPE_INVALID",
      `simple-signing payload type ${JSON.stringify(type)} is not "cosign container image signature"`,
    );
  }
  return {
    dockerReference: reference as string | undefined,
    dockerManifestDigest: digest as string,
    type,
    annotations: isObject(optional) ? optional : undefined,
  };
}
