/**
 * How the outcomes of independent signature artifacts fold into one answer.
 * One artifact that verifies is enough; a registry that could not be asked
 * only matters when nothing verified; a policy that cannot be used is the
 * caller's mistake whatever the artifacts say.
 */
import { ImgverifyError, isImgverifyError } from "../../errors.ts";
import { isOciError, type OciErrorCode } from "../../oci/errors.ts";
import { type CheckErrorCode, checkError } from "./errors.ts";

export interface Failure {
  /** The artifact, e.g. `registry/repo@sha256:…`, or the listing that failed. */
  source: string;
  error: unknown;
}

export type Outcome<T> = { verified: T } | { failed: Failure };

/**
 * Registry failures that say something about one artifact (it is missing,
 * malformed, tampered with or oversized) rather than about reaching the
 * registry: they make that artifact fail, not the whole check.
 */
const ARTIFACT_FAULTS: ReadonlySet<OciErrorCode> = new Set<OciErrorCode>([
  "NOT_FOUND",
  "DIGEST_MISMATCH",
  "SIZE_MISMATCH",
  "TOO_LARGE",
  "MANIFEST_INVALID",
  "MANIFEST_UNSUPPORTED",
  "DIGEST_UNSUPPORTED",
  "REFERENCE_INVALID",
]);

/** Failures of the runtime rather than of the artifact (WebCrypto refusing to work). */
const RUNTIME_FAULTS: ReadonlySet<string> = new Set(["CRYPTO_FAILURE"]);

/** Codes that mean the question was asked wrongly: the policy or the trust material is unusable. */
const POLICY_FAULTS: ReadonlySet<string> = new Set(["POLICY_INVALID", "TRUST_ROOT_INVALID"]);

/** True when `err` means the registry could not be asked (network, auth, timeout) or a bug. */
export function isEnvironmentFault(err: unknown): boolean {
  if (isOciError(err)) return !ARTIFACT_FAULTS.has(err.code);
  return !isImgverifyError(err) || RUNTIME_FAULTS.has(err.code);
}

export function isPolicyFault(err: unknown): boolean {
  return isImgverifyError(err) && POLICY_FAULTS.has(err.code);
}

/**
 * Runs `work` for one artifact. A policy fault is thrown at once; any other
 * failure becomes the artifact's outcome. `undefined` from `work` means the
 * artifact is not the evidence asked for, and is passed through.
 */
export async function attempt<T>(
  source: string,
  work: () => Promise<T | undefined>,
): Promise<Outcome<T> | undefined> {
  try {
    const value = await work();
    return value === undefined ? undefined : { verified: value };
  } catch (error) {
    if (isPolicyFault(error)) throw error;
    return { failed: { source, error } };
  }
}

/** A check that found evidence, none of which verified. */
export class NotVerifiedError extends ImgverifyError<string> {
  readonly failures: readonly Failure[];

  constructor(code: string, message: string, failures: readonly Failure[]) {
    const [only] = failures;
    const cause =
      failures.length === 1 ? only?.error : new AggregateError(failures.map((f) => f.error));
    super(code, message, { cause });
    this.name = "NotVerifiedError";
    this.failures = failures;
  }
}

/** Failures listed in a message; the rest are counted. */
const LISTED_FAILURES = 5;

/**
 * The verified values of `outcomes`. Throws `missing` when there were none at
 * all; the first environment fault when nothing verified and the registry
 * could not be fully asked; else a `NotVerifiedError` naming every failure.
 */
export function decide<T>(
  outcomes: readonly (Outcome<T> | undefined)[],
  what: { noun: string; image: string },
  missing: { code: CheckErrorCode; message: string },
): T[] {
  const verified: T[] = [];
  const failures: Failure[] = [];
  for (const outcome of outcomes) {
    if (outcome === undefined) continue;
    if ("verified" in outcome) verified.push(outcome.verified);
    else failures.push(outcome.failed);
  }
  if (verified.length > 0) return verified;
  if (failures.length === 0) throw checkError(missing.code, missing.message);
  const environmental = failures.find((f) => isEnvironmentFault(f.error));
  if (environmental !== undefined) throw environmental.error;
  throw notVerified(what, failures);
}

function notVerified(
  what: { noun: string; image: string },
  failures: readonly Failure[],
): NotVerifiedError {
  const codes = new Set(failures.map((f) => codeOf(f.error)));
  const [code] = codes;
  const listed = failures
    .slice(0, LISTED_FAILURES)
    .map((f) => `${f.source}: ${messageOf(f.error)}`);
  const more = failures.length - listed.length;
  if (more > 0) listed.push(`and ${more} more`);
  const head =
    failures.length === 1
      ? `the ${what.noun} of ${what.image} did not verify`
      : `none of the ${failures.length} ${what.noun}s of ${what.image} verified`;
  return new NotVerifiedError(
    codes.size === 1 && code !== undefined ? code : "NOT_VERIFIED",
    `${head}: ${listed.join("; ")}`,
    failures,
  );
}

function codeOf(err: unknown): string {
  return isImgverifyError(err) ? err.code : "INTERNAL";
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
