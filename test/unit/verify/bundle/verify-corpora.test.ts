/**
 * Real bundles written by other Sigstore clients: sigstore-go's test bundles
 * and cosign's OCI attestation, each with the trusted root it was made under.
 */
import { describe, expect, test } from "vitest";
import { isImgverifyError } from "../../../../src/errors.ts";
import type { BundleErrorCode } from "../../../../src/verify/bundle/errors.ts";
import { type VerifyBundleOptions, verifyBundle } from "../../../../src/verify/bundle/verify.ts";
import { corpusBytes, corpusText, corpusTrustedRoot, verifierTestsRun } from "./corpora.ts";

const GO = "sigstore-go/pkg/testing/data";
const COSIGN = "cosign/pkg/cosign/testdata";
/** The subject digests the bundles name (their artifacts are not in the corpora). */
const SLSA_TARBALL =
  "sha512:bbfd372fc9beeb777fe35d05bb10c0c70a9733d366a75fed7dd18866c7391de3ee7e88ba74dd47abf3e15c845e547fcf0e5c3da80854c751554224d3a6d4e55f";
const SIGSTORE_JS_2_0_0 =
  "sha512:46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c";
const COSIGN_IMAGE = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";

function failure(options: VerifyBundleOptions): { code: BundleErrorCode; message: string } {
  try {
    verifyBundle(options);
  } catch (err) {
    if (isImgverifyError<BundleErrorCode>(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("bundle verified, but it must not");
}

describe.skipIf(!verifierTestsRun)("sigstore-go bundles", () => {
  const publicGood = () => corpusTrustedRoot(`${GO}/trusted-roots/public-good.json`);

  test("a DSSE SLSA provenance verifies against its sha512 subject and e-mail identity", () => {
    const result = verifyBundle({
      bundle: corpusBytes(`${GO}/bundles/dsse.sigstore.json`),
      artifact: { digest: SLSA_TARBALL },
      trustedRoot: publicGood(),
      policy: {
        identity: { subject: "brian@dehamer.com", issuer: "https://github.com/login/oauth" },
      },
    });
    expect(result.signer).toEqual({
      kind: "certificate",
      subject: "brian@dehamer.com",
      issuer: "https://github.com/login/oauth",
    });
    expect(result.statement?.predicateType).toBe("https://slsa.dev/provenance/v0.2");
    expect(result.signedAt.toISOString()).toBe("2022-11-09T23:00:36.000Z");
  });

  test("an envelope with two signatures is refused as malformed", () => {
    const { code } = failure({
      bundle: corpusBytes(`${GO}/bundles/dsse-2sigs.sigstore.json`),
      artifact: { digest: SLSA_TARBALL },
      trustedRoot: publicGood(),
      policy: { identity: { subjectRegExp: ".*", issuerRegExp: ".*" } },
    });
    expect(code).toBe("BUNDLE_INVALID");
  });

  test("npm provenance (SLSA v1) verifies for the workflow identity", () => {
    const result = verifyBundle({
      bundle: corpusBytes(`${GO}/bundles/sigstore.js@2.0.0-provenance.sigstore.json`),
      artifact: { digest: SIGSTORE_JS_2_0_0 },
      trustedRoot: publicGood(),
      policy: {
        identity: {
          subjectRegExp: "https://github\\.com/sigstore/sigstore-js/\\.github/workflows/.*",
          issuer: "https://token.actions.githubusercontent.com",
        },
      },
    });
    expect(result.statement?.subject[0]?.name).toBe("pkg:npm/sigstore@2.0.0");
  });

  test("a managed-key bundle with a timestamp but no log entry fails the one-entry minimum", () => {
    const { code, message } = failure({
      bundle: corpusBytes(`${GO}/bundles/public-key-validity.sigstore.json`),
      artifact: {
        digest: "sha256:6ae8a75555209fd6c44157c0aed8016e763ff435a19cf186f76863140143ff72",
      },
      trustedRoot: corpusTrustedRoot(`${GO}/trusted-roots/public-key-validity.json`),
      policy: { key: corpusText(`${GO}/public-keys/public-key-validity.pem`) },
    });
    expect(code).toBe("TLOG_INVALID");
    expect(message).toMatch(/expected 1 tlog entries, got 0/);
  });

  test("an othername SAN from a private Rekor v1 whose checkpoint name is not its URL is refused", () => {
    // @sigstore/verify requires the checkpoint signer's name to match the log's base URL;
    // this scaffolding deployment signs checkpoints with its pod name.
    const { code, message } = failure({
      bundle: corpusBytes(`${GO}/bundles/othername.sigstore.json`),
      artifact: {
        digest: "sha256:bc103b4a84971ef6459b294a2b98568a2bfb72cded09d4acd1e16366a401f95b",
      },
      trustedRoot: corpusTrustedRoot(`${GO}/trusted-roots/scaffolding.json`),
      policy: { identity: { subject: "foo!oidc.local", issuerRegExp: ".*" } },
    });
    expect(code).toBe("TLOG_INVALID");
    expect(message).toMatch(/checkpoint signature/);
  });
});

describe.skipIf(!verifierTestsRun)("cosign OCI attestation bundle", () => {
  const options = (overrides: Partial<VerifyBundleOptions> = {}): VerifyBundleOptions => ({
    bundle: corpusBytes(`${COSIGN}/oci-attestation.sigstore.json`),
    artifact: { digest: COSIGN_IMAGE },
    trustedRoot: corpusTrustedRoot(`${COSIGN}/trusted_root_pgi.json`),
    policy: { identity: { subject: "cody@soyland.com", issuer: "https://github.com/login/oauth" } },
    ...overrides,
  });

  test("verifies for its image digest and signer, returning the statement", () => {
    const result = verifyBundle(options());
    expect(result.mediaType).toBe("application/vnd.dev.sigstore.bundle.v0.3+json");
    expect(result.statement?.subject).toEqual([
      { name: "127.0.0.1:60943/repo", digest: { sha256: COSIGN_IMAGE.slice(7) } },
    ]);
  });

  test("another identity is refused", () => {
    const policy = {
      identity: { subject: "someone@example.com", issuer: "https://github.com/login/oauth" },
    };
    expect(failure(options({ policy })).code).toBe("IDENTITY_MISMATCH");
  });

  test("another image is not a subject of the statement", () => {
    const artifact = { digest: `sha256:${"0".repeat(64)}` };
    expect(failure(options({ artifact })).code).toBe("SUBJECT_MISMATCH");
  });

  test("identity patterns match anywhere in the subject, as cosign's MatchString", () => {
    const pattern = (subjectRegExp: string) => ({
      identity: { subjectRegExp, issuer: "https://github.com/login/oauth" },
    });
    expect(verifyBundle(options({ policy: pattern(".*@soyland\\.com") })).signer.kind).toBe(
      "certificate",
    );
    expect(verifyBundle(options({ policy: pattern("cody") })).signer.kind).toBe("certificate");
    expect(failure(options({ policy: pattern("^soyland") })).code).toBe("IDENTITY_MISMATCH");
    expect(failure(options({ policy: pattern("[") })).code).toBe("POLICY_INVALID");
  });
});
