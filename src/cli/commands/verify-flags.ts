/**
 * The flags of `imgverify verify` and their translation into what the checks
 * take: one signer policy (keys, a certificate or a keyless identity), the
 * signature formats, the attestation types and the signature repository.
 * Each contradiction or missing piece is a usage error naming the flags.
 */
import type { SignerPolicy } from "../../engine/checks/index.ts";
import { SIGNATURE_FORMATS, type SignatureFormat } from "../../engine/checks/types.ts";
import type { Repository } from "../../oci/reference.ts";
import { usageError } from "../errors.ts";
import type { BooleanFlag, FlagValues, RepeatedStringFlag, StringFlag } from "../flags/args.ts";
import type { CliIo } from "../io.ts";
import { readText } from "../trusted-root.ts";

export type VerifyFlagSpecs = {
  readonly key: RepeatedStringFlag;
  readonly cert: StringFlag;
  readonly "cert-chain": StringFlag;
  readonly "certificate-identity": StringFlag;
  readonly "certificate-identity-regexp": StringFlag;
  readonly "certificate-oidc-issuer": StringFlag;
  readonly "certificate-oidc-issuer-regexp": StringFlag;
  readonly "trusted-root": StringFlag;
  readonly "signature-repository": StringFlag;
  readonly "attestation-type": RepeatedStringFlag;
  readonly signature: BooleanFlag;
  readonly type: StringFlag;
  readonly "insecure-ignore-tlog": BooleanFlag;
  readonly "insecure-ignore-sct": BooleanFlag;
};

export const verifyFlags: VerifyFlagSpecs = {
  key: {
    type: "string",
    multiple: true,
    value: "FILE",
    description:
      "A PEM public key (a file may hold several); any one key may have signed. Repeatable.",
  },
  cert: {
    type: "string",
    value: "FILE",
    description:
      "A PEM certificate: for cosign the signing certificate, for Notary the trust anchor signers chain to.",
  },
  "cert-chain": {
    type: "string",
    value: "FILE",
    description: "PEM certificates --cert chains to (cosign), root last.",
  },
  "certificate-identity": {
    type: "string",
    value: "ID",
    description: "Keyless: the exact subject (e-mail, URI) of the Fulcio certificate.",
  },
  "certificate-identity-regexp": {
    type: "string",
    value: "REGEXP",
    description:
      "Keyless: a regular expression the subject must match, anywhere in it as in cosign (anchor it with ^…$).",
  },
  "certificate-oidc-issuer": {
    type: "string",
    value: "URL",
    description: "Keyless: the exact OIDC issuer in the certificate.",
  },
  "certificate-oidc-issuer-regexp": {
    type: "string",
    value: "REGEXP",
    description:
      "Keyless: a regular expression the issuer must match, anywhere in it as in cosign (anchor it with ^…$).",
  },
  "trusted-root": {
    type: "string",
    value: "FILE",
    description: "A Sigstore trusted_root.json (default: the production root built in).",
  },
  "signature-repository": {
    type: "string",
    value: "REPO",
    description:
      "Where signatures and attestations are stored (HOST/PATH), if not beside the image.",
  },
  "attestation-type": {
    type: "string",
    multiple: true,
    value: "URI",
    description:
      "Verify attestations of this predicate type instead of the signature; each type given must verify. Repeatable.",
  },
  signature: {
    type: "boolean",
    description: "With --attestation-type: require a verified signature as well.",
  },
  type: {
    type: "string",
    value: "FORMAT",
    description:
      "Only this format: cosign, bundle or notary (default: every format the policy suits).",
  },
  "insecure-ignore-tlog": {
    type: "boolean",
    description:
      "Accept cosign signatures without a transparency-log entry (Sigstore bundles always need theirs).",
  },
  "insecure-ignore-sct": {
    type: "boolean",
    description: "Accept Fulcio certificates without embedded SCTs (cosign).",
  },
};

export type VerifyFlags = FlagValues<VerifyFlagSpecs>;

/** `text` as a regular expression matching exactly it. */
/** A pattern matching `text` and nothing else: escaped, and anchored (patterns match anywhere). */
function exactly(text: string): string {
  return `^${text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}$`;
}

/**
 * A keyless identity flag pair as one regular expression: the plain flag
 * means the exact value (as in cosign), the -regexp flag a pattern matched
 * anywhere in the value (Go's MatchString, as cosign).
 */
function identityPattern(f: VerifyFlags, flag: "certificate-identity" | "certificate-oidc-issuer") {
  const exact = f[flag];
  const pattern = f[`${flag}-regexp`];
  if (exact !== undefined && pattern !== undefined) {
    throw usageError(`give --${flag} or --${flag}-regexp, not both`, "verify");
  }
  if (exact === undefined && pattern === undefined) {
    throw usageError(`keyless verification needs --${flag} or --${flag}-regexp`, "verify");
  }
  return exact === undefined ? pattern : exactly(exact);
}

/** The one signer policy the flags describe: keys, a certificate, or a keyless identity. */
export async function signerPolicy(io: CliIo, f: VerifyFlags): Promise<SignerPolicy> {
  const keyless = [
    "certificate-identity",
    "certificate-identity-regexp",
    "certificate-oidc-issuer",
    "certificate-oidc-issuer-regexp",
  ] as const;
  const given = [f.key.length > 0, f.cert !== undefined, keyless.some((k) => f[k] !== undefined)];
  if (given.filter(Boolean).length !== 1) {
    throw usageError(
      "give one of --key, --cert, or the --certificate-identity/-oidc-issuer flags",
      "verify",
    );
  }
  if (f["cert-chain"] !== undefined && f.cert === undefined) {
    throw usageError("--cert-chain needs --cert", "verify");
  }
  if (f.key.length > 0) {
    return { kind: "keys", keys: await Promise.all(f.key.map((path) => readText(io, path))) };
  }
  if (f.cert !== undefined) {
    const chain = f["cert-chain"];
    return {
      kind: "certificate",
      certificate: await readText(io, f.cert),
      ...(chain !== undefined && { chain: await readText(io, chain) }),
    };
  }
  const subjectRegExp = identityPattern(f, "certificate-identity");
  const issuerRegExp = identityPattern(f, "certificate-oidc-issuer");
  return { kind: "keyless", identity: { subjectRegExp, issuerRegExp } };
}

export function parseFormat(value: string | undefined): SignatureFormat[] | undefined {
  if (value === undefined) return undefined;
  const format = SIGNATURE_FORMATS.find((f) => f === value);
  if (format !== undefined) return [format];
  throw usageError(
    `unknown --type "${value}": choose one of ${SIGNATURE_FORMATS.join(", ")}`,
    "verify",
  );
}

export function parseAttestationTypes(values: readonly string[]): string[] {
  for (const value of values) {
    if (!URL.canParse(value)) {
      throw usageError(
        `--attestation-type "${value}" is not a URI (e.g. https://slsa.dev/provenance/v1)`,
        "verify",
      );
    }
  }
  return [...new Set(values)];
}

export async function parseRepository(value: string | undefined): Promise<Repository | undefined> {
  if (value === undefined) return undefined;
  const { parseReference } = await import("../../oci/reference.ts");
  const ref = parseReference(value);
  if (ref.digest !== undefined || /:[^/]*$/.test(value)) {
    throw usageError(
      `--signature-repository "${value}" must name a repository, without tag or digest`,
      "verify",
    );
  }
  return { registry: ref.registry, repository: ref.repository };
}
