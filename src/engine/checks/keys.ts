import { encodePem, type PublicKey, parsePublicKeysPem } from "../../crypto/index.ts";
import { isImgverifyError } from "../../errors.ts";
import { checkError } from "./errors.ts";

/** One public key of a key policy, in the forms the verifiers take. */
export interface PolicyKey {
  /** Lower-case hex SHA-256 of the SubjectPublicKeyInfo: how results name the key. */
  id: string;
  key: PublicKey;
  /** A `PUBLIC KEY` PEM block of this key alone. */
  pem: string;
}

/** Most keys one policy lists; each one is tried against every signature. */
const MAX_POLICY_KEYS = 64;

/**
 * Every key of `pems` (each text may hold several `PUBLIC KEY` blocks, as
 * Kyverno's `publicKeys` does); throws `POLICY_INVALID` naming the bad one.
 */
export function policyKeys(pems: readonly string[]): PolicyKey[] {
  const keys = pems.flatMap((pem, index) => {
    try {
      return parsePublicKeysPem(pem);
    } catch (err) {
      const reason = isImgverifyError(err) ? err.message : String(err);
      throw checkError("POLICY_INVALID", `policy key ${index + 1}: ${reason}`, err);
    }
  });
  if (keys.length === 0) throw checkError("POLICY_INVALID", "the key policy lists no key");
  if (keys.length > MAX_POLICY_KEYS) {
    throw checkError(
      "POLICY_INVALID",
      `the key policy lists ${keys.length} keys, more than ${MAX_POLICY_KEYS}`,
    );
  }
  return keys.map((key) => ({ id: key.id, key, pem: encodePem("PUBLIC KEY", key.spki) }));
}
