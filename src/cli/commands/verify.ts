/**
 * `imgverify verify IMAGE`: the checks of one Kyverno attestor, from the
 * command line. The trust policy comes from the flags, the registry is
 * asked through one store, and the answer is a verdict: exit 0 verified,
 * 1 not verified, 2 when the question could not be asked or answered.
 */
import { systemClock } from "../../deps.ts";
import { describeVerified } from "../../engine/checks/describe.ts";
import type { ImageVerdict, TrustPolicy } from "../../engine/checks/index.ts";
import { type Command, defineCommand } from "../command.ts";
import { EXIT_OK, type ExitCode, usageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { terminalLogger } from "../logger.ts";
import { writeJson } from "../output.ts";
import { cliRegistryClient } from "../registry-client.ts";
import { trustedRootJson } from "../trusted-root.ts";
import {
  parseAttestationTypes,
  parseFormat,
  parseRepository,
  signerPolicy,
  verifyFlags,
} from "./verify-flags.ts";

const EXIT_NOT_VERIFIED: ExitCode = 1;

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
  flags: verifyFlags,
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
        import("../../oci/index.ts"),
        import("../../store/single-flight.ts"),
        import("../../engine/checks/index.ts"),
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
