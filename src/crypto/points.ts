/**
 * Point validation at parse time, with @noble/curves: some WebCrypto
 * implementations (Deno's) import an EC point that is not on its curve and only
 * fail later, so a bad key is refused here, the same way on every runtime.
 */

import { ed25519 } from "@noble/curves/ed25519.js";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { reasonOf } from "../errors.ts";
import { cryptoError } from "./errors.ts";

/** The NIST curves ECDSA keys may be on. */
export type EcCurve = "P-256" | "P-384" | "P-521";

export const ECDSA_CURVES: Readonly<Record<EcCurve, typeof p256>> = {
  "P-256": p256,
  "P-384": p384,
  "P-521": p521,
};

/** Throws `KEY_INVALID` unless `point` decodes on `curve` (Ed25519 when `curve` is undefined). */
export function assertPointOnCurve(
  curve: EcCurve | undefined,
  point: Uint8Array,
  what: string,
): void {
  try {
    if (curve === undefined) ed25519.Point.fromBytes(point, true);
    else ECDSA_CURVES[curve].Point.fromBytes(point);
  } catch (err) {
    throw cryptoError(
      "KEY_INVALID",
      `${what}: not a point on ${curve ?? "Ed25519"}: ${reasonOf(err)}`,
      err,
    );
  }
}
