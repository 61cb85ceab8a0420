/**
 * Finds which of the allowed keys made a signature. A PEM key does not say
 * how RSA signatures were padded, so RSA keys take PKCS#1 v1.5 (cosign's
 * default) and then PSS.
 */
import {
  describePublicKey,
  type HashName,
  type PublicKey,
  type RsaPadding,
  verifySignature,
} from "../../crypto/index.ts";
import { isImgverifyError, reasonOf } from "../../errors.ts";
import { cosignError } from "./errors.ts";

export interface KeyMatch {
  /** Position of the key in the list given. */
  readonly index: number;
  readonly key: PublicKey;
}

const RSA_PADDINGS: readonly RsaPadding[] = ["pkcs1v15", "pss"];

/**
 * The first key under which one of `signatures` verifies over `data`; throws
 * `SIGNATURE_INVALID` naming `what` and the keys tried when none does.
 */
export async function findSigningKey(
  keys: readonly PublicKey[],
  data: Uint8Array,
  signatures: readonly Uint8Array[],
  hash: HashName,
  what: string,
): Promise<KeyMatch> {
  const problems: string[] = [];
  for (const [index, key] of keys.entries()) {
    const paddings = key.kind === "rsa" ? RSA_PADDINGS : [undefined];
    for (const signature of signatures) {
      for (const rsaPadding of paddings) {
        try {
          if (await verifySignature(key, data, signature, { hash, rsaPadding }))
            return { index, key };
        } catch (err) {
          // A signature malformed for this key's type may still be another key's.
          if (!isImgverifyError(err, "SIGNATURE_MALFORMED")) problems.push(reasonOf(err));
        }
      }
    }
  }
  const tried = keys.map(describePublicKey).join(", ");
  const detail = problems.length > 0 ? ` (${[...new Set(problems)].join("; ")})` : "";
  throw cosignError(
    "SIGNATURE_INVALID",
    `${what} does not verify with ${keys.length === 1 ? "the key" : `any of the ${keys.length} keys`} ${tried}${detail}`,
  );
}
