/**
 * `imgverify verify-bundle`: the sigstore-conformance CLI protocol over
 * `runVerifyBundleCommand`, with the files read through the CLI's I/O.
 */
import { isImgverifyError } from "../../errors.ts";
import type {
  BundleSigner,
  BundleVerification,
  VerifyBundleIo,
} from "../../verify/bundle/index.ts";
import { type Command, defineCommand } from "../command.ts";
import { EXIT_OK, type ExitCode, usageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { writeJson } from "../output.ts";
import { readAll } from "../read-all.ts";

/** Artifacts are hashed whole; bundles, keys and roots are far smaller. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
const EXIT_NOT_VERIFIED: ExitCode = 1;

/** File access for the bundle verifier, and for `verify`'s keys and roots. */
export function bundleIo(io: Pick<CliIo, "readChunks">): VerifyBundleIo {
  return {
    readFile: (path) => readAll(io.readChunks(path), MAX_FILE_BYTES, `file "${path}"`),
    isFile: async (path) => {
      try {
        for await (const _ of io.readChunks(path)) break;
        return true;
      } catch {
        return false;
      }
    },
    readTufSeeds: async () => {
      const seeds = await import("@sigstore/tuf/seeds.json", { with: { type: "json" } });
      return JSON.stringify(seeds.default);
    },
  };
}

/** How a verified signer reads for people. */
export function describeBundleSigner(signer: BundleSigner): string {
  if (signer.kind === "certificate") return `${signer.subject} (issuer ${signer.issuer})`;
  return signer.keyHint === "" ? "the given public key" : `public key ${signer.keyHint}`;
}

function report(io: CliIo, json: boolean, verification: BundleVerification): void {
  const { mediaType, signer, statement } = verification;
  const signedAt = Number.isNaN(verification.signedAt.getTime())
    ? undefined
    : verification.signedAt.toISOString();
  if (json) {
    writeJson(io, {
      verified: true,
      mediaType,
      signer,
      ...(signedAt && { signedAt }),
      ...(statement && { predicateType: statement.predicateType }),
    });
    return;
  }
  const lines = ["Verified OK", `signer: ${describeBundleSigner(signer)}`];
  if (signedAt) lines.push(`signed at: ${signedAt}`);
  if (statement) lines.push(`in-toto statement of predicate type ${statement.predicateType}`);
  io.stdout(`${lines.join("\n")}\n`);
}

export const verifyBundleCommand: Command = defineCommand({
  name: "verify-bundle",
  summary: "Verify a Sigstore bundle over a file or digest (the sigstore-conformance protocol).",
  usage:
    "--bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key FILE) [--trusted-root FILE] FILE_OR_DIGEST",
  details: `
Verifies the Sigstore bundle FILE (v0.1 to v0.3, message signature or DSSE)
offline against a trusted root: the certificate chain and its SCTs, the
transparency-log entries and timestamps, the signature over FILE_OR_DIGEST,
and the signer. FILE_OR_DIGEST is the artifact's path, or its digest as
sha256:<hex> when no file has that name; for a DSSE bundle it must be a
subject of the in-toto statement. Without --trusted-root, the Sigstore
production root built into @sigstore/tuf is used.

Prints the signer and time of signing; with --json,
{"verified", "mediaType", "signer", "signedAt", "predicateType"}. Exit 1 when
the bundle does not verify ({"verified": false, "error"} with --json), 2 on
usage errors, unreadable files and malformed trusted roots.`,
  flags: {
    bundle: { type: "string", value: "FILE", description: "The Sigstore bundle (JSON)." },
    "certificate-identity": {
      type: "string",
      value: "ID",
      description: "The exact subject alternative name of the signing certificate.",
    },
    "certificate-oidc-issuer": {
      type: "string",
      value: "URL",
      description: "The exact OIDC issuer recorded in the signing certificate.",
    },
    key: {
      type: "string",
      value: "FILE",
      description: "A PEM public key the bundle must be signed with, instead of an identity.",
    },
    "trusted-root": {
      type: "string",
      value: "FILE",
      description: "A Sigstore trusted_root.json (default: the production root).",
    },
    staging: {
      type: "boolean",
      description: "Use the staging trust root (none is built in: pass --trusted-root).",
    },
  },
  async run({ io, flags, positionals, global }) {
    const [input, ...extra] = positionals;
    if (flags.bundle === undefined || input === undefined || extra.length > 0) {
      throw usageError(
        "verify-bundle needs --bundle FILE and exactly one FILE_OR_DIGEST",
        "verify-bundle",
      );
    }
    const verifyBundleFlags = {
      bundle: flags.bundle,
      input,
      staging: flags.staging,
      ...(flags.key !== undefined && { key: flags.key }),
      ...(flags["certificate-identity"] !== undefined && {
        certificateIdentity: flags["certificate-identity"],
      }),
      ...(flags["certificate-oidc-issuer"] !== undefined && {
        certificateOidcIssuer: flags["certificate-oidc-issuer"],
      }),
      ...(flags["trusted-root"] !== undefined && { trustedRoot: flags["trusted-root"] }),
    };
    // Loaded here, not at the top, so other commands start without the Sigstore libraries.
    const { runVerifyBundleCommand, VERIFY_BUNDLE_USAGE_CODES } = await import(
      "../../verify/bundle/index.ts"
    );
    let verification: BundleVerification;
    try {
      verification = await runVerifyBundleCommand(verifyBundleFlags, bundleIo(io));
    } catch (err) {
      const usage = (VERIFY_BUNDLE_USAGE_CODES as ReadonlySet<string>).has(
        isImgverifyError(err) ? err.code : "",
      );
      if (!isImgverifyError(err) || usage || err.code.startsWith("CLI_")) throw err;
      if (global.json) writeJson(io, { verified: false, error: err.toJSON() });
      else io.stderr(`imgverify: not verified: ${err.message}\n`);
      return EXIT_NOT_VERIFIED;
    }
    report(io, global.json, verification);
    return EXIT_OK;
  },
});
