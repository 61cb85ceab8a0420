/**
 * `imgverify verify-bundle`, the sigstore-conformance CLI protocol, as a
 * function of parsed flags and file access, so each runtime's CLI only wires
 * its I/O in.
 */
import { trustRootError } from "../trust/errors.ts";
import { type PreparedTrustedRoot, prepareTrustedRoot } from "../trust/trusted-root.ts";
import { trustedRootFromTufSeeds } from "../trust/tuf-seeds.ts";
import { type ArtifactInput, isSha256Digest } from "./artifact.ts";
import { type BundleErrorCode, bundleError } from "./errors.ts";
import type { BundlePolicy } from "./policy.ts";
import { type BundleVerification, verifyBundle } from "./verify.ts";

export interface VerifyBundleFlags {
  bundle: string;
  certificateIdentity?: string;
  certificateOidcIssuer?: string;
  /** Path of a PEM public key; excludes the identity flags. */
  key?: string;
  trustedRoot?: string;
  staging?: boolean;
  /** FILE_OR_DIGEST: a path, or `sha256:<hex>` that names no file. */
  input: string;
}

export interface VerifyBundleIo {
  /** The whole file; the implementation bounds its size and names the path when it fails. */
  readFile(path: string): Promise<Uint8Array>;
  /** Whether `path` names an existing file (a `sha256:…` argument that does is a path). */
  isFile(path: string): Promise<boolean>;
  /** The text of `@sigstore/tuf`'s `seeds.json`, the built-in production trust root. */
  readTufSeeds(): Promise<string>;
}

/** Codes that mean the command was called wrongly or its inputs are unusable (exit 2, not 1). */
export const VERIFY_BUNDLE_USAGE_CODES: ReadonlySet<BundleErrorCode> = new Set([
  "POLICY_INVALID",
  "ARTIFACT_INVALID",
  "TRUST_ROOT_INVALID",
]);

/** Trusted-root files are tens of KiB. */
const MAX_TRUSTED_ROOT_BYTES = 4 * 1024 * 1024;

export async function runVerifyBundleCommand(
  flags: VerifyBundleFlags,
  io: VerifyBundleIo,
): Promise<BundleVerification> {
  const policy = await policyFrom(flags, io);
  const [trustedRoot, bundle, artifact] = await Promise.all([
    trustedRootFrom(flags, io),
    io.readFile(flags.bundle),
    artifactFrom(flags.input, io),
  ]);
  return verifyBundle({ bundle, artifact, trustedRoot, policy });
}

/** The production trusted root from the text of `@sigstore/tuf`'s `seeds.json`. */
export function productionTrustedRoot(seedsJsonText: string): PreparedTrustedRoot {
  return prepareTrustedRoot(trustedRootFromTufSeeds(seedsJsonText));
}

async function policyFrom(flags: VerifyBundleFlags, io: VerifyBundleIo): Promise<BundlePolicy> {
  const { key, certificateIdentity: subject, certificateOidcIssuer: issuer } = flags;
  if (key !== undefined) {
    if (subject !== undefined || issuer !== undefined) {
      throw bundleError(
        "POLICY_INVALID",
        "--key excludes --certificate-identity and --certificate-oidc-issuer",
      );
    }
    return { key: new TextDecoder().decode(await io.readFile(key)) };
  }
  if (subject === undefined || issuer === undefined) {
    throw bundleError(
      "POLICY_INVALID",
      "give --key, or both --certificate-identity and --certificate-oidc-issuer",
    );
  }
  return { identity: { subject, issuer } };
}

async function trustedRootFrom(
  flags: VerifyBundleFlags,
  io: VerifyBundleIo,
): Promise<PreparedTrustedRoot> {
  if (flags.trustedRoot === undefined) {
    if (flags.staging) {
      throw trustRootError("no staging trusted root is built in; pass --trusted-root");
    }
    return productionTrustedRoot(await io.readTufSeeds());
  }
  const bytes = await io.readFile(flags.trustedRoot);
  if (bytes.byteLength > MAX_TRUSTED_ROOT_BYTES) {
    throw trustRootError(`${flags.trustedRoot} is larger than ${MAX_TRUSTED_ROOT_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw trustRootError(`${flags.trustedRoot} is not JSON`, err);
  }
  return prepareTrustedRoot(json);
}

/** Per the protocol: a well-formed `sha256:` digest is a digest unless a file has that name. */
async function artifactFrom(input: string, io: VerifyBundleIo): Promise<ArtifactInput> {
  if (isSha256Digest(input) && !(await io.isFile(input))) return { digest: input };
  return { bytes: await io.readFile(input) };
}
