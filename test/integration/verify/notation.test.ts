/**
 * notation's end-to-end OCI layouts from the corpora (an unsigned image, valid,
 * multiple, invalid and expired signatures, an expired certificate, and
 * timestamped signatures), pushed to docker-registry 2.8 and verified with
 * their certificates the way notation's strict level does: the outcome of
 * each is what its name and its envelope say.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import type { Descriptor } from "../../support/push.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { type PushedLayout, pushSignedLayout, signerPem } from "./oci-layout.ts";
import { corporaFolder, dockerConfigDir, imgverify, registryFlags } from "./support.ts";

const registry = inject("registries").anonymous;
const harness = new HarnessClient(registry);
const testdata = corporaFolder("notation/test/e2e/testdata");

const dir = makeTempDir("verify-notation");
afterAll(() => removeTempDir(dir));
const config = dockerConfigDir(dir, registry);

interface Expectation {
  layout: string;
  /** A file of config/localkeys, or "signer" for the signing certificate in the envelope. */
  trust: string;
  code: 0 | 1;
  error?: string;
}

const CASES: Expectation[] = [
  { layout: "e2e", trust: "e2e.crt", code: 1, error: "NO_SIGNATURES" },
  { layout: "e2e-valid-signature", trust: "e2e.crt", code: 0 },
  { layout: "e2e-valid-signature", trust: "new_e2e.crt", code: 1, error: "UNTRUSTED" },
  { layout: "e2e-valid-multiple-signatures", trust: "e2e.crt", code: 0 },
  // Its one layer is a tar, not a JWS or COSE envelope.
  { layout: "e2e-invalid-signature", trust: "e2e.crt", code: 1, error: "ARTIFACT_INVALID" },
  // io.cncf.notary.expiry 2023-06-27T13:21:21+08:00.
  { layout: "e2e-expired-signature", trust: "e2e.crt", code: 1, error: "SIGNATURE_EXPIRED" },
  { layout: "e2e-with-expired-cert", trust: "expired_e2e.crt", code: 1, error: "CERT_EXPIRED" },
  { layout: "e2e-with-expired-cert", trust: "e2e.crt", code: 1, error: "UNTRUSTED" },
  // Signed by one-day certificates of January 2025; without a TSA trust store
  // (imgverify verify takes none) they must be valid now, and are not.
  { layout: "e2e-with-timestamped-signature", trust: "signer", code: 1, error: "CERT_EXPIRED" },
  {
    layout: "e2e-with-invalid-timestamped-signature",
    trust: "signer",
    code: 1,
    error: "CERT_EXPIRED",
  },
];

describe.runIf(testdata !== undefined)("notation e2e layouts", () => {
  const root = testdata as string;

  it.each(CASES)(
    "$layout with $trust: exit $code $error",
    async ({ layout, trust, code, error }) => {
      const repository = `verify/notation-${layout}-${trust.replace(/\W/g, "")}`;
      const { pushed, image, signatures } = await pushSignedLayout(
        harness,
        join(root, "registry/oci_layout", layout),
        repository,
      );
      const certificate =
        trust === "signer"
          ? signerCertificate(pushed, signatures[0])
          : join(root, "config/localkeys", trust);
      const args = [
        "verify",
        "--json",
        ...registryFlags(registry),
        "--cert",
        certificate,
        `${registry.host}/${repository}:v1`,
      ];
      const { code: exit, stdout } = await imgverify(args, config);
      const verdict = JSON.parse(stdout);
      expect({ exit, error: verdict.error?.code }).toEqual({ exit: code, error });
      expect(verdict.digest).toBe(image.digest);
      if (code === 0) {
        expect(verdict.signatures).toContainEqual(
          expect.objectContaining({
            format: "notary",
            signer: { kind: "certificate", subject: expect.stringContaining("CN=e2e") },
          }),
        );
      }
    },
  );
});

/** The signing certificate of a JWS envelope, written as PEM for --cert. */
function signerCertificate(pushed: PushedLayout, signature: Descriptor | undefined): string {
  const path = join(dir, `signer-${signature?.digest.slice(7, 19)}.pem`);
  writeFileSync(path, signerPem(pushed, signature));
  return path;
}
