import { GeneralName, OtherName } from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CosignTrust,
  type KeylessPolicy,
  prepareCosignTrust,
  verifyCosignSignature,
} from "../../../../src/verify/cosign/index.ts";
import {
  email,
  type IssuedCertificate,
  pem,
  type TestKey,
  toBase64,
} from "../../crypto/fixtures.ts";
import {
  flipped,
  freshKey,
  IMAGE_DIGEST,
  rejectsWith,
  sha256Hex,
  simpleSigning,
  TAMPER_LOOP,
} from "./fixtures.ts";
import {
  certificatePem,
  type Fulcio,
  hashedRekord,
  INTEGRATED_AT,
  ISSUER,
  issueLeaf,
  type LeafSpec,
  type Log,
  newFulcio,
  newLog,
  rekorBundle,
  SIGNED_AT,
  trustedRootJson,
  WORKFLOW_URI,
} from "./sigstore-fixtures.ts";

const LATER = new Date("2026-01-01T00:00:00Z");
const POLICY: KeylessPolicy = { kind: "keyless", subject: WORKFLOW_URI, issuer: ISSUER };

let fulcio: Fulcio;
let rekor: Log;
let trust: CosignTrust;
let signingKey: TestKey;
let leaf: IssuedCertificate;

beforeAll(async () => {
  [fulcio, rekor, signingKey] = await Promise.all([newFulcio(), newLog(), freshKey()]);
  trust = prepareCosignTrust(trustedRootJson(fulcio, rekor));
  leaf = await issueLeaf(fulcio, { key: signingKey });
});

interface LayerSpec {
  cert?: IssuedCertificate;
  key?: TestKey;
  payload?: Uint8Array;
  /** The entry logged: by default the layer's own. */
  logged?: { payload?: Uint8Array; signature?: Uint8Array; certPem?: string };
  integratedAt?: Date;
  chain?: boolean;
}

/** A keyless signature layer as cosign writes it: signature, certificate, chain, Rekor bundle. */
async function keylessLayer(spec: LayerSpec = {}) {
  const cert = spec.cert ?? leaf;
  const payload = spec.payload ?? simpleSigning();
  const signature = await (spec.key ?? signingKey).sign(payload);
  const certPem = certificatePem(cert);
  const entry = hashedRekord(
    sha256Hex(spec.logged?.payload ?? payload),
    spec.logged?.signature ?? signature,
    spec.logged?.certPem ?? certPem,
  );
  const annotations: Record<string, string> = {
    "dev.cosignproject.cosign/signature": toBase64(signature),
    "dev.sigstore.cosign/certificate": certPem,
    "dev.sigstore.cosign/bundle": await rekorBundle(rekor, entry, spec.integratedAt),
  };
  if (spec.chain !== false) {
    annotations["dev.sigstore.cosign/chain"] =
      certificatePem(fulcio.intermediate) + certificatePem(fulcio.root);
  }
  return { layer: payload, annotations };
}

async function verify(
  layer: Awaited<ReturnType<typeof keylessLayer>>,
  policy: KeylessPolicy = POLICY,
  now = LATER,
) {
  return verifyCosignSignature({ ...layer, imageDigest: IMAGE_DIGEST, policy, trust, now });
}

async function leafWith(spec: Omit<LeafSpec, "key">): Promise<IssuedCertificate> {
  return issueLeaf(fulcio, { key: signingKey, ...spec });
}

describe("keyless cosign signatures", () => {
  it("verifies chain, identity, SCT, SET and logged entry, at the integrated time", async () => {
    const result = await verify(await keylessLayer());
    expect(result.signer).toEqual({
      kind: "certificate",
      fingerprint: leaf.cert.fingerprint,
      subjects: [WORKFLOW_URI],
      issuer: ISSUER,
      extensions: { issuer: ISSUER, githubWorkflowRepository: "acme/app" },
      chain: [fulcio.intermediate.cert.fingerprint, fulcio.root.cert.fingerprint],
    });
    expect(result.tlog).toEqual({
      logId: rekor.logId,
      logIndex: 4242,
      integratedTime: new Date(Math.floor(INTEGRATED_AT.getTime() / 1000) * 1000),
      kind: "hashedrekord 0.0.1",
    });
    expect(result.signedAt).toEqual(result.tlog?.integratedTime);
  });

  it("matches subjects and issuers by wildcard, or by regular expression anywhere in the value (Go's MatchString)", async () => {
    const layer = await keylessLayer();
    const passes: KeylessPolicy[] = [
      { kind: "keyless", subject: "https://github.com/acme/*" },
      {
        kind: "keyless",
        subject: "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/?ain",
      },
      {
        kind: "keyless",
        subjectRegExp: "https://github\\.com/acme/.+",
        issuerRegExp: "https://token\\..*",
      },
      { kind: "keyless", subject: "https://nope.test", subjectRegExp: ".*release.*" },
      { kind: "keyless", issuer: "https://token.actions.*" },
      // Unanchored, as Kyverno and cosign match them.
      { kind: "keyless", subjectRegExp: "github" },
      { ...POLICY, issuerRegExp: "token.actions.githubusercontent.com" },
    ];
    for (const policy of passes)
      expect((await verify(layer, policy)).signer.kind).toBe("certificate");
    await rejectsWith(
      verify(layer, { kind: "keyless", subjectRegExp: "^github" }),
      "IDENTITY_MISMATCH",
    );
    await rejectsWith(
      verify(layer, { kind: "keyless", subject: "https://github.com/acme" }),
      "IDENTITY_MISMATCH",
    );
    await rejectsWith(
      verify(layer, { ...POLICY, issuer: "https://accounts.google.com" }),
      "ISSUER_MISMATCH",
    );
    await rejectsWith(verify(layer, { ...POLICY, issuerRegExp: "^token" }), "ISSUER_MISMATCH");
    await rejectsWith(
      verify(layer, { ...POLICY, issuerRegExp: "accounts\\.google\\.com" }),
      "ISSUER_MISMATCH",
    );
    await rejectsWith(verify(layer, { ...POLICY, subjectRegExp: "([" }), "POLICY_INVALID");
  });

  it("checks additionalExtensions by cosign name, OID or newer name", async () => {
    const layer = await keylessLayer();
    const withExtensions = (additionalExtensions: Record<string, string>): KeylessPolicy => ({
      ...POLICY,
      additionalExtensions,
    });
    await verify(layer, withExtensions({ githubWorkflowRepository: "acme/*", oidcIssuer: ISSUER }));
    await verify(layer, withExtensions({ "1.3.6.1.4.1.57264.1.5": "acme/app" }));
    await rejectsWith(
      verify(layer, withExtensions({ githubWorkflowRepository: "other/*" })),
      "EXTENSION_MISMATCH",
    );
    await rejectsWith(
      verify(layer, withExtensions({ sourceRepositoryURI: "https://github.com/acme/app" })),
      "EXTENSION_MISMATCH",
    );
    await rejectsWith(
      verify(layer, withExtensions({ githubWorkflowColour: "blue" })),
      "POLICY_INVALID",
    );
  });

  it("reads the issuer from extension .8 before .1, and e-mail and other-name subjects", async () => {
    const v2 = await leafWith({ fulcio: { 1: "https://old.test", 8: ISSUER } });
    expect((await verify(await keylessLayer({ cert: v2 }))).signer).toMatchObject({
      issuer: ISSUER,
    });
    const v1 = await leafWith({ fulcio: { 1: ISSUER } });
    expect((await verify(await keylessLayer({ cert: v1 }))).signer).toMatchObject({
      issuer: ISSUER,
    });
    const mail = await leafWith({ san: email("dev@acme.test") });
    await verify(await keylessLayer({ cert: mail }), { ...POLICY, subject: "*@acme.test" });
    const username = new GeneralName({
      otherName: new OtherName({
        typeId: "1.3.6.1.4.1.57264.1.7",
        value: new Uint8Array([0x0c, 4, 0x72, 0x6f, 0x6f, 0x74]).buffer,
      }),
    });
    const other = await leafWith({ san: username });
    expect(
      (await verify(await keylessLayer({ cert: other }), { ...POLICY, subject: "root" })).signer,
    ).toMatchObject({
      subjects: ["root"],
    });
  });

  it("needs the certificate, and one chaining to a trusted Fulcio root", async () => {
    const layer = await keylessLayer();
    const { "dev.sigstore.cosign/certificate": _, ...withoutCert } = layer.annotations;
    await rejectsWith(verify({ ...layer, annotations: withoutCert }), "CERTIFICATE_MISSING");
    const elsewhere = await newFulcio();
    const foreign = await issueLeaf(elsewhere, { key: signingKey });
    await rejectsWith(verify(await keylessLayer({ cert: foreign, chain: false })), "CHAIN_INVALID");
  });

  it("takes roots from the policy, with intermediates from the chain annotation", async () => {
    const policy: KeylessPolicy = { ...POLICY, roots: certificatePem(fulcio.root) };
    await verify(await keylessLayer(), policy);
    await rejectsWith(verify(await keylessLayer({ chain: false }), policy), "CHAIN_INVALID");
    const other = await newFulcio();
    await rejectsWith(
      verify(await keylessLayer(), { ...POLICY, roots: certificatePem(other.root) }),
      "CHAIN_INVALID",
    );
  });

  it("checks the certificate at the logged time, or now when the log is ignored", async () => {
    await rejectsWith(
      verify(await keylessLayer({ integratedAt: new Date(SIGNED_AT.getTime() + 20 * 60_000) })),
      "CERTIFICATE_EXPIRED",
    );
    const ignoring: KeylessPolicy = { ...POLICY, rekor: { ignoreTlog: true } };
    const { "dev.sigstore.cosign/bundle": _, ...unlogged } = (await keylessLayer()).annotations;
    const layer = { layer: simpleSigning(), annotations: unlogged };
    const soon = new Date(SIGNED_AT.getTime() + 5 * 60_000);
    const result = await verify(layer, ignoring, soon);
    expect(result.tlog).toBeUndefined();
    expect(result.signedAt).toEqual(soon);
    await rejectsWith(verify(layer, ignoring, LATER), "CERTIFICATE_EXPIRED");
    await rejectsWith(verify(layer, POLICY, soon), "TLOG_MISSING");
  });

  it("requires an embedded SCT from a trusted CT log unless ctlog.ignoreSCT", async () => {
    const unlogged = await keylessLayer({ cert: await leafWith({ sctLog: null }) });
    await rejectsWith(verify(unlogged), "SCT_MISSING");
    await verify(unlogged, { ...POLICY, ctlog: { ignoreSCT: true } });
    const otherLog = await newLog();
    const foreignSct = await keylessLayer({ cert: await leafWith({ sctLog: otherLog }) });
    await rejectsWith(verify(foreignSct), "SCT_INVALID");
    await verify(foreignSct, { ...POLICY, ctlog: { pubKey: otherLog.key.pem } });
    const transplanted = await keylessLayer({
      cert: await leafWith({ sctOf: await issueLeaf(fulcio, { key: await freshKey() }) }),
    });
    await rejectsWith(verify(transplanted), "SCT_INVALID");
  });

  it("fails when the logged entry is another payload's, signature's or certificate's", async () => {
    const otherPayload = simpleSigning({ reference: "registry.test/other" });
    await rejectsWith(
      verify(await keylessLayer({ logged: { payload: otherPayload } })),
      "TLOG_BODY_MISMATCH",
    );
    const otherSignature = await signingKey.sign(otherPayload);
    await rejectsWith(
      verify(await keylessLayer({ logged: { signature: otherSignature } })),
      "TLOG_BODY_MISMATCH",
    );
    const otherCert = await leafWith({ fulcio: { 8: ISSUER } });
    await rejectsWith(
      verify(await keylessLayer({ logged: { certPem: certificatePem(otherCert) } })),
      "TLOG_BODY_MISMATCH",
    );
    await rejectsWith(
      verify(await keylessLayer({ logged: { certPem: signingKey.pem } })),
      "TLOG_BODY_MISMATCH",
    );
  });

  it("fails on a signature made by a key other than the certificate's", async () => {
    await rejectsWith(verify(await keylessLayer({ key: await freshKey() })), "SIGNATURE_INVALID");
  });

  it("fails on every single-byte change of the certificate", TAMPER_LOOP, async () => {
    const layer = await keylessLayer();
    const der = leaf.der;
    for (let i = 0; i < der.length; i++) {
      const annotations = {
        ...layer.annotations,
        "dev.sigstore.cosign/certificate": pem("CERTIFICATE", flipped(der, i)),
      };
      await rejectsWith(
        verify({ ...layer, annotations }),
        "CERTIFICATE_INVALID",
        "CHAIN_INVALID",
        "CERTIFICATE_EXPIRED",
      );
    }
  });

  it(
    "fails on every single-byte change of the Rekor bundle's SET and entry",
    TAMPER_LOOP,
    async () => {
      const layer = await keylessLayer();
      const bundle = JSON.parse(layer.annotations["dev.sigstore.cosign/bundle"] as string);
      const set = Uint8Array.from(atob(bundle.SignedEntryTimestamp), (c) => c.charCodeAt(0));
      const body = Uint8Array.from(atob(bundle.Payload.body), (c) => c.charCodeAt(0));
      const withBundle = (changes: object) => ({
        ...layer,
        annotations: {
          ...layer.annotations,
          "dev.sigstore.cosign/bundle": JSON.stringify({ ...bundle, ...changes }),
        },
      });
      for (let i = 0; i < set.length; i++) {
        await rejectsWith(
          verify(withBundle({ SignedEntryTimestamp: toBase64(flipped(set, i)) })),
          "TLOG_INVALID",
        );
      }
      // The SET signs the body, so a change anywhere in it fails the SET; a sample of positions suffices.
      for (let i = 0; i < body.length; i += 5) {
        const payload = { ...bundle.Payload, body: toBase64(flipped(body, i)) };
        await rejectsWith(verify(withBundle({ Payload: payload })), "TLOG_INVALID");
      }
      for (const field of ["integratedTime", "logIndex"]) {
        const payload = { ...bundle.Payload, [field]: bundle.Payload[field] + 1 };
        await rejectsWith(verify(withBundle({ Payload: payload })), "TLOG_INVALID");
      }
      const untrusted = await rekorBundle(
        await newLog(),
        JSON.parse(new TextDecoder().decode(body)),
      );
      await rejectsWith(
        verify({
          ...layer,
          annotations: { ...layer.annotations, "dev.sigstore.cosign/bundle": untrusted },
        }),
        "TLOG_INVALID",
      );
    },
  );
});
