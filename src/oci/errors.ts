import { ImgverifyError } from "../errors.ts";

/** Machine-readable codes of every failure the OCI client reports. */
export type OciErrorCode =
  /** The image reference or digest does not follow the grammar. */
  | "REFERENCE_INVALID"
  /** A digest algorithm other than sha256 where content must be verified. */
  | "DIGEST_UNSUPPORTED"
  /** Client options (insecure registries, limits) are malformed. */
  | "CONFIG_INVALID"
  /** A Docker `config.json` text is malformed. */
  | "CREDENTIALS_INVALID"
  /** Credentials live in a credential helper, which this client does not run. */
  | "CREDENTIAL_HELPER_UNSUPPORTED"
  /** A host or scheme the address policy refuses (loopback, private, plain HTTP). */
  | "ADDRESS_REFUSED"
  /** A redirect that may not be followed (downgrade, loop, too many, odd target). */
  | "REDIRECT_REFUSED"
  /** A `WWW-Authenticate` header that cannot be parsed. */
  | "AUTH_CHALLENGE_INVALID"
  | "UNAUTHORIZED"
  /** Credentials not sent to a token realm on another host, and anonymous access refused. */
  | "CREDENTIALS_WITHHELD"
  /** A redirect target answered 401: its challenge is never answered with the registry's credentials. */
  | "REDIRECT_UNAUTHORIZED"
  /** A response with a `Content-Encoding` other than identity (compressed bodies are refused). */
  | "ENCODING_REFUSED"
  /** The bytes read for one admission passed `limits.admissionBytes`. */
  | "BUDGET_EXCEEDED"
  | "DENIED"
  /** The token endpoint answered without a usable token. */
  | "TOKEN_INVALID"
  | "NOT_FOUND"
  | "RATE_LIMITED"
  /** Any other error status from the registry. */
  | "REGISTRY_ERROR"
  /** The connection failed or a body stream broke. */
  | "NETWORK"
  /** The operation's deadline (or the caller's timeout signal) passed. */
  | "TIMEOUT"
  /** The caller aborted the operation. */
  | "ABORTED"
  | "TOO_LARGE"
  /** A body shorter than its `Content-Length`. */
  | "TRUNCATED"
  /** Content whose length differs from its descriptor's `size`. */
  | "SIZE_MISMATCH"
  | "DIGEST_MISMATCH"
  | "MANIFEST_INVALID"
  /** A registry answer (tag list, referrers page) that is not what the API defines. */
  | "RESPONSE_INVALID"
  /** A manifest kind this client refuses (schema 1) or does not know. */
  | "MANIFEST_UNSUPPORTED"
  | "PLATFORM_NOT_FOUND";

export interface OciErrorDetails {
  cause?: unknown;
  /** The image reference the failure concerns, canonical form. */
  reference?: string;
  /** The Distribution error code from the registry's JSON error body, e.g. `MANIFEST_UNKNOWN`. */
  registryCode?: string;
  /** The HTTP status that caused the failure. */
  status?: number;
}

export class OciError extends ImgverifyError<OciErrorCode> {
  readonly reference: string | undefined;
  readonly registryCode: string | undefined;
  readonly status: number | undefined;

  constructor(code: OciErrorCode, message: string, details: OciErrorDetails = {}) {
    super(code, message, { cause: details.cause });
    this.reference = details.reference;
    this.registryCode = details.registryCode;
    this.status = details.status;
  }

  override toJSON(): {
    code: OciErrorCode;
    message: string;
    reference?: string;
    registryCode?: string;
    status?: number;
  } {
    const { reference, registryCode, status } = this;
    return {
      ...super.toJSON(),
      ...(reference !== undefined && { reference }),
      ...(registryCode !== undefined && { registryCode }),
      ...(status !== undefined && { status }),
    };
  }
}

/** True when `err` is an `OciError`, optionally with one of `codes`. */
export function isOciError(err: unknown, ...codes: OciErrorCode[]): err is OciError {
  return err instanceof OciError && (codes.length === 0 || codes.includes(err.code));
}
