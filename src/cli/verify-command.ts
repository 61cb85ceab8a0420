/**
 * `imgverify verify IMAGE`: the checks of one Kyverno attestor, from the
 * command line. The trust policy comes from the flags, the registry is
 * asked through one store, and the answer is a verdict: exit 0 verified,
 * 1 not verified, 2 when the question could not be asked or answered.
 */
import { systemClock } from "../deps.ts";
import { describeVerified } from "../engine/checks/describe.ts";
import type { ImageVerdict, SignerPolicy, TrustPolicy } from "../engine/checks/index.ts";
import { SIGNATURE_FORMATS, type SignatureFormat } from "../engine/checks/types.ts";
import type { Repository } from "../oci/reference.ts";
import type { FlagSpecs, FlagValues } from "./args.ts";
import { type Command, defineCommand } from "./command.ts";
import { EXIT_OK, type ExitCode, usageError } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { terminalLogger } from "./logger.ts";
import { writeJson } from "./output.ts";
import { cliRegistryClient } from "./registry-client.ts";
import { readText, trustedRootJson } from "./trusted-root.ts";

const EXIT_NOT_VERIFIED: ExitCode = 1;

const flags = {
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
    description: "Keyless: a regular expression the whole subject must match.",
  },
  "certificate-oidc-issuer": {
    type: "string",
    value: "URL",
    description: "Keyless: the exact OIDC issuer in the certificate.",
  },
  "certificate-oidc-issuer-regexp": {
    type: "string",
    value: "REGEXP",
    description: "Keyless: a regular expression the whole issuer must match.",
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
} as const satisfies FlagSpecs;

type Flags = FlagValues<typeof flags>;

/** `text` as a regular expression matching exactly it. */
function exactly(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

/**
 * A keyless identity flag pair as one regular expression: the plain flag
 * means the exact value (as in cosign), the -regexp flag a whole-value match.
 */
function identityPattern(f: Flags, flag: "certificate-identity" | "certificate-oidc-issuer") {
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
async function signerPolicy(io: CliIo, f: Flags): Promise<SignerPolicy> {
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

function parseFormat(value: string | undefined): SignatureFormat[] | undefined {
  if (value === undefined) return undefined;
  const format = SIGNATURE_FORMATS.find((f) => f === value);
  if (format !== undefined) return [format];
  throw usageError(
    `unknown --type "${value}": choose one of ${SIGNATURE_FORMATS.join(", ")}`,
    "verify",
  );
}

function parseAttestationTypes(values: readonly string[]): string[] {
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

async function parseRepository(value: string | undefined): Promise<Repository | undefined> {
  if (value === undefined) return undefined;
  const { parseReference } = await import("../oci/reference.ts");
  const ref = parseReference(value);
  if (ref.digest !== undefined || /:[^/]*$/.test(value)) {
    throw usageError(
      `--signature-repository "${value}" must name a repository, without tag or digest`,
      "verify",
    );
  }
  return { registry: ref.registry, repository: ref.repository };
}

function report(io: CliIo, json: boolean, verdict: ImageVerdict): void {
  if (json) {
    writeJson(io, {
      ...verdict,
      // The statements stay in the API; printed, they could be megabytes of SBOM.
      attestations: verdict.attestations.map(({ statement: _, ...rest }) => rest),
    });
    return;
  }
  const where =
    verdict.digest === undefined ? verdict.image : `${verdict.image} (${verdict.digest})`;
  if (!verdict.verified) {
    io.stderr(
      `imgverify: ${where} is not verified: ${verdict.error?.message ?? "no reason given"}\n`,
    );
    return;
  }
  const lines = [`Verified ${verdict.image}`, `digest: ${verdict.digest}`];
  for (const s of verdict.signatures) lines.push(`signature ${describeVerified(s)}`);
  for (const a of verdict.attestations)
    lines.push(`attestation ${a.predicateType} ${describeVerified(a)}`);
  io.stdout(`${lines.join("\n")}\n`);
}

export const verifyCommand: Command = defineCommand({
  name: "verify",
  summary:
    "Verify an image's signatures or attestations against keys, a certificate or an identity.",
  usage:
    "(--key FILE... | --cert FILE | --certificate-identity ID --certificate-oidc-issuer URL) IMAGE",
  details: `
Resolves IMAGE to its digest (for a multi-platform image, the index digest:
what cosign and notation sign) and looks for signatures in every format the
policy suits, all at once: cosign signatures under the sha256-<hex>.sig tag,
Sigstore bundles and Notary signatures stored as OCI referrers (through the
referrers API or its sha256-<hex> tag fallback). --key suits cosign and
bundles, --cert cosign and Notary, a keyless identity cosign and bundles.
One signature that verifies is enough.

With --attestation-type, attestations are verified instead of the signature
(add --signature to require both): cosign DSSE attestations under the
sha256-<hex>.att tag and Sigstore DSSE bundles, whose in-toto statement must
have that predicate type and name the image's digest as a subject. Every
type given needs one attestation that verifies.

Prints the image, its digest, and each verified signer and predicate type.
With --json, prints {"verified", "image", "digest", "signatures",
"attestations", "error"} (error only when not verified). Exit 1 when the
image is not verified: no signature found, none that verifies, or the image
does not exist. Exit 2 on usage errors, unreadable key or root files, an
unusable policy, and registry errors (refused address, authentication,
network, timeout).`,
  flags,
  async run({ io, flags: f, positionals, global }) {
    const [input, ...extra] = positionals;
    if (input === undefined || extra.length > 0) {
      throw usageError("verify needs exactly one IMAGE", "verify");
    }
    const attestations = parseAttestationTypes(f["attestation-type"]);
    if (f.signature && attestations.length === 0) {
      throw usageError("--signature only adds to --attestation-type", "verify");
    }
    const formats = parseFormat(f.type);
    const [{ parseReference }, { SingleFlight }, { prepareTrustMaterial, verifyImage }] =
      await Promise.all([
        import("../oci/index.ts"),
        import("../store/single-flight.ts"),
        import("../engine/checks/index.ts"),
      ]);
    const ref = parseReference(input);
    const logger = terminalLogger(io.stderr);
    const [signer, root, signatureRepository, { client }] = await Promise.all([
      signerPolicy(io, f),
      trustedRootJson(io, f["trusted-root"]),
      parseRepository(f["signature-repository"]),
      cliRegistryClient(io, global, logger),
    ]);
    const policy: TrustPolicy = {
      signer,
      trust: prepareTrustMaterial(root),
      requireTlog: !f["insecure-ignore-tlog"],
      requireSct: !f["insecure-ignore-sct"],
    };
    const ctx = {
      client: client.withStore(new SingleFlight<string, unknown>()),
      now: systemClock.now,
      // --timeout bounds the whole verification, not each request alone.
      signal: AbortSignal.timeout(global.timeoutMs),
    };
    const verdict = await verifyImage(ctx, ref, {
      policy,
      signature: attestations.length === 0 || f.signature,
      attestations,
      ...(formats && { formats }),
      ...(signatureRepository && { signatureRepository }),
    });
    report(io, global.json, verdict);
    return verdict.verified ? EXIT_OK : EXIT_NOT_VERIFIED;
  },
});
