import { type CodedErrorFactory, codedError } from "../errors.ts";

/** Codes of the admission engine itself; the checks and the policy module bring their own. */
export type EngineErrorCode =
  /** An attestor uses a setting the leaf checks cannot honour; refused rather than ignored. */
  | "UNSUPPORTED_ATTESTOR"
  /** Whether a rule applies depends on facts the request did not carry (namespace labels, roles). */
  | "MATCH_UNKNOWN"
  /** An image of the object could not be read. */
  | "IMAGE_INVALID"
  /** The object names more images than one admission verifies. */
  | "TOO_MANY_IMAGES"
  /** The admission's time budget ran out before the check finished. */
  | "DEADLINE_EXCEEDED"
  /** A pull secret an entry names is missing, out of the policy's reach, or not a Docker config. */
  | "CREDENTIALS_UNRESOLVED"
  /** The engine was given options it cannot use. */
  | "CONFIG_INVALID";

export const engineError: CodedErrorFactory<EngineErrorCode> = codedError;
