/**
 * Attestor settings honoured through a policy: signatureAlgorithm, payload
 * annotations, cosignOCI11 storage, and a Sigstore of the policy's own
 * (keyless roots, Rekor and CT log keys, a certificate chain without a
 * certificate). Each is shown to verify when right and not when wrong.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { prepareTrustMaterial } from "../../../../src/engine/checks/index.ts";
import type { AdmissionEvaluation } from "../../../../src/engine/index.ts";
import type { IssuedCertificate, TestKey } from "../../crypto/fixtures.ts";
import { sha256Hex } from "../../verify/cosign/fixtures.ts";
import {
  certificatePem,
  type Fulcio,
  hashedRekord,
  ISSUER,
  issueLeaf,
  type Log,
  newFulcio,
  newLog,
  rekorBundle,
  trustedRootJson,
  WORKFLOW_URI,
} from "../../verify/cosign/sigstore-fixtures.ts";
import {
  admission,
  evaluate,
  freshKey,
  image,
  keyEntry,
  policies,
  pushSignedWith,
  REFS,
  type SignatureSpec,
  SLSA,
  type World,
  world,
} from "./world.ts";

const ENTRY = "spec.rules[0].verifyImages[0].attestors[0].entries[0]";

function verifyWith(w: World, entry: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return evaluate(
    w,
    admission([{ name: "c", image: image("app") }]),
    policies({ entries: [{ imageReferences: REFS, attestors: [{ entries: [entry] }], ...extra }] }),
  );
}

const keys = (key: TestKey, settings: Record<string, unknown> = {}) => ({
  keys: { ...(keyEntry(key).keys as object), ...settings },
});

const status = (result: AdmissionEvaluation) => result.results[0]?.status;

describe("evaluateAdmission: keys.signatureAlgorithm", () => {
  it("verifies a signature over the named digest, and only under that digest", async () => {
    const w = world();
    const key = await freshKey();
    await pushSignedWith(w.registry, "app", "v1", [{ key, hash: "sha512" }]);
    expect(status(await verifyWith(w, keys(key, { signatureAlgorithm: "sha512" })))).toBe("pass");
    for (const other of [undefined, "sha256", "sha384"]) {
      const result = await verifyWith(w, keys(key, { signatureAlgorithm: other }));
      expect(result.results[0]).toMatchObject({ status: "fail", digest: expect.any(String) });
      expect(result.results[0]?.message).toContain("does not verify");
    }
  });

  it("refuses sha224, which no signature check here computes, naming the entry", async () => {
    const w = world();
    const key = await freshKey();
    await pushSignedWith(w.registry, "app", "v1", [{ key }]);
    const result = await verifyWith(w, keys(key, { signatureAlgorithm: "sha224" }));
    expect(result.results[0]).toMatchObject({ status: "error", code: "UNSUPPORTED_ATTESTOR" });
    expect(result.results[0]?.message).toContain(`${ENTRY}: keys.signatureAlgorithm sha224`);
    expect(result.allowed).toBe(false);
  });
});

describe("evaluateAdmission: attestor annotations", () => {
  const annotated = (annotations: Record<string, string>, key: TestKey) => ({
    ...keys(key),
    annotations,
  });

  it("counts only signatures whose payload carries every annotation with its value", async () => {
    const w = world();
    const key = await freshKey();
    await pushSignedWith(w.registry, "app", "v1", [{ key, optional: { env: "prod", team: "a" } }]);
    expect(status(await verifyWith(w, annotated({ env: "prod" }, key)))).toBe("pass");
    expect(status(await verifyWith(w, annotated({ env: "prod", team: "a" }, key)))).toBe("pass");
    const wrongs: Record<string, string>[] = [{ env: "dev" }, { env: "prod", owner: "a" }];
    for (const wrong of wrongs) {
      const result = await verifyWith(w, annotated(wrong, key));
      expect(result.results[0]?.status).toBe("fail");
      expect(result.results[0]?.message).toContain("lacks the required annotations");
    }
  });

  it("fails a signature without annotations or with a non-string value, and passes its annotated sibling", async () => {
    const w = world();
    const key = await freshKey();
    await pushSignedWith(w.registry, "app", "v1", [{ key }, { key, optional: { build: 7 } }]);
    expect(status(await verifyWith(w, annotated({ build: "7" }, key)))).toBe("fail");
    const both = world();
    await pushSignedWith(both.registry, "app", "v1", [{ key }, { key, optional: { build: "7" } }]);
    expect(status(await verifyWith(both, annotated({ build: "7" }, key)))).toBe("pass");
  });

  it("refuses them on attestations, whose DSSE statements carry no signed annotations", async () => {
    const w = world();
    const key = await freshKey();
    await pushSignedWith(w.registry, "app", "v1", [{ key, optional: { env: "prod" } }]);
    const entry = {
      imageReferences: REFS,
      attestations: [
        { type: SLSA, attestors: [{ entries: [{ ...keys(key), annotations: { env: "prod" } }] }] },
      ],
    };
    const result = await evaluate(
      w,
      admission([{ name: "c", image: image("app") }]),
      policies({ entries: [entry] }),
    );
    expect(result.results[0]).toMatchObject({ status: "error", code: "POLICY_INVALID" });
    expect(result.results[0]?.message).toContain("cosign attestations carry no signed annotations");
  });
});

describe("evaluateAdmission: cosignOCI11", () => {
  it("finds signatures stored as OCI 1.1 referrers only when asked to", async () => {
    const w = world({ referrersApi: true });
    const key = await freshKey();
    await pushSignedWith(w.registry, "app", "v1", [{ key }], "referrer");
    expect(status(await verifyWith(w, keys(key), { cosignOCI11: true }))).toBe("pass");
    const classic = await verifyWith(w, keys(key));
    expect(classic.results[0]?.status).toBe("fail");
    expect(classic.results[0]?.message).toContain("no signatures found");
    const stranger = await freshKey();
    const wrong = await verifyWith(w, keys(stranger), { cosignOCI11: true });
    expect(wrong.results[0]?.status).toBe("fail");
    expect(wrong.results[0]?.message).toContain("does not verify");
  });

  it("still reads the .sig tag, as cosign falls back to it", async () => {
    const w = world({ referrersApi: true });
    const key = await freshKey();
    await pushSignedWith(w.registry, "app", "v1", [{ key }]);
    expect(status(await verifyWith(w, keys(key), { cosignOCI11: true }))).toBe("pass");
  });
});

/**
 * The trusted root names Fulcio A, Rekor A and A's CT log; the image is
 * signed under Fulcio B, logged by Rekor B, its certificate's SCT from B's
 * CT log: it verifies only when the policy names B's roots and keys.
 */
describe("evaluateAdmission: a Sigstore of the policy's own", () => {
  let fulcioA: Fulcio;
  let rekorA: Log;
  let fulcioB: Fulcio;
  let rekorB: Log;
  let leaf: IssuedCertificate;
  let signer: SignatureSpec;

  beforeAll(async () => {
    const signingKey = await freshKey();
    [fulcioA, rekorA, fulcioB, rekorB] = await Promise.all([
      newFulcio(),
      newLog(),
      newFulcio(),
      newLog(),
    ]);
    leaf = await issueLeaf(fulcioB, { key: signingKey });
    signer = {
      key: signingKey,
      annotate: async (payload, signature) => {
        const certPem = certificatePem(leaf);
        const entry = hashedRekord(sha256Hex(payload), signature, certPem);
        return {
          "dev.sigstore.cosign/certificate": certPem,
          "dev.sigstore.cosign/chain":
            certificatePem(fulcioB.intermediate) + certificatePem(fulcioB.root),
          "dev.sigstore.cosign/bundle": await rekorBundle(rekorB, entry),
        };
      },
    };
  });

  async function signedWorld(): Promise<World> {
    const w = world({}, prepareTrustMaterial(trustedRootJson(fulcioA, rekorA)));
    await pushSignedWith(w.registry, "app", "v1", [signer]);
    return w;
  }

  const pubkey = (log: Log) => log.key.pem;
  const rootPem = (fulcio: Fulcio) => certificatePem(fulcio.root);
  const chainPem = (fulcio: Fulcio) =>
    certificatePem(fulcio.intermediate) + certificatePem(fulcio.root);

  it("verifies keyless with keyless.roots, rekor.pubkey and ctlog.pubkey, and not with a wrong one", async () => {
    const w = await signedWorld();
    const keyless = (roots: Fulcio | undefined, rekor: Log, ctlog: Log) => ({
      keyless: {
        subject: WORKFLOW_URI,
        issuer: ISSUER,
        ...(roots && { roots: rootPem(roots) }),
        rekor: { url: "https://rekor.test", pubkey: pubkey(rekor) },
        ctlog: { pubkey: pubkey(ctlog) },
      },
    });
    const right = await verifyWith(w, keyless(fulcioB, rekorB, fulcioB.ctLog));
    expect(right.results[0]).toMatchObject({ status: "pass" });
    const wrong = {
      "the trusted root's Fulcio": keyless(undefined, rekorB, fulcioB.ctLog),
      "another root": keyless(fulcioA, rekorB, fulcioB.ctLog),
      "another Rekor key": keyless(fulcioB, rekorA, fulcioB.ctLog),
      "another CT log key": keyless(fulcioB, rekorB, fulcioA.ctLog),
    };
    for (const [what, entry] of Object.entries(wrong)) {
      expect({ what, status: status(await verifyWith(w, entry)) }).toEqual({
        what,
        status: "fail",
      });
    }
  });

  it("verifies a certificate carried by the signature against certificates.certChain alone", async () => {
    const w = await signedWorld();
    const certificates = (chain: Fulcio, rekor: Log) => ({
      certificates: {
        certChain: chainPem(chain),
        rekor: { url: "https://rekor.test", pubkey: pubkey(rekor) },
        ctlog: { pubkey: pubkey(fulcioB.ctLog) },
      },
    });
    const right = await verifyWith(w, certificates(fulcioB, rekorB));
    expect(right.results[0]).toMatchObject({ status: "pass" });
    expect(status(await verifyWith(w, certificates(fulcioA, rekorB)))).toBe("fail");
    expect(status(await verifyWith(w, certificates(fulcioB, rekorA)))).toBe("fail");
  });

  it("checks a key signature's log entry with keys.rekor.pubkey", async () => {
    const key = await freshKey();
    const w = world({}, prepareTrustMaterial(trustedRootJson(fulcioA, rekorA)));
    const logged: SignatureSpec = {
      key,
      annotate: async (payload, signature) => ({
        "dev.sigstore.cosign/bundle": await rekorBundle(
          rekorB,
          hashedRekord(sha256Hex(payload), signature, key.pem),
        ),
      }),
    };
    await pushSignedWith(w.registry, "app", "v1", [logged]);
    const entry = (rekor: Log | undefined) => ({
      keys: {
        publicKeys: key.pem,
        rekor: { url: "https://rekor.test", ...(rekor && { pubkey: pubkey(rekor) }) },
      },
    });
    expect(status(await verifyWith(w, entry(rekorB)))).toBe("pass");
    for (const wrong of [rekorA, undefined]) {
      const result = await verifyWith(w, entry(wrong));
      expect(result.results[0]?.status).toBe("fail");
      expect(result.results[0]?.message).toContain("not a trusted Rekor log");
    }
  });
});
