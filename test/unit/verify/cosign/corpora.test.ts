/**
 * Real cosign material from the shared corpora: sigstore-rs's classic `.sig`
 * layers (key-signed; keyless with a 2021 Fulcio certificate and legacy Rekor
 * bundle) and cosign's own v0.3 attestation bundle, re-wrapped as the `.att`
 * layer cosign writes for it. Clocks sit at the logged times.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CosignPolicy,
  type CosignTrust,
  type KeylessPolicy,
  type KeyPolicy,
  type PreparedCosignPolicy,
  prepareCosignPolicy,
  prepareCosignTrust,
  verifyCosignAttestation,
  verifyCosignSignature,
} from "../../../../src/verify/cosign/index.ts";
import {
  COSIGN_BUNDLE,
  corporaPresent,
  corpusBytes,
  corpusJson,
  corpusText,
  PRODUCTION_ROOT,
  SIGSTORE_RS,
} from "../../crypto/corpora.ts";
import { fromBase64, pem, toBase64 } from "../../crypto/fixtures.ts";
import { flipped, rejectsWith, TAMPER_LOOP } from "./fixtures.ts";

if (!corporaPresent) {
  console.warn(
    "SKIPPING cosign tests on real signatures: the shared corpora are absent (set IMGVERIFY_CORPORA)",
  );
}

const KEYED = `${SIGSTORE_RS}/keyed`;
const KEYLESS = `${SIGSTORE_RS}/keyless-legacy-bundle`;
const KEYED_DIGEST = "sha256:f3cfc9d0dbf931d3db4685ec659b7ac68e2a578219da4aae65427886e649b06b";
const KEYLESS_DIGEST = "sha256:5f481572d088dc4023afb35fced9530ced3d9b03bf7299c6f492163cb9f0452e";
/** The keyless entry's integrated time, 2021-10-20T07:25:17Z. */
const KEYLESS_LOGGED = new Date(1634714717 * 1000);

describe.skipIf(!corporaPresent)("real cosign signatures (sigstore-rs corpus)", () => {
  const noTrust = (): CosignTrust =>
    prepareCosignTrust({ mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1" });

  function verifyKeyed(policy: Omit<KeyPolicy, "kind">, imageDigest = KEYED_DIGEST) {
    return verifyCosignSignature({
      layer: corpusBytes(`${KEYED}/simplesigning-payload.json`),
      annotations: {
        "dev.cosignproject.cosign/signature": corpusText(`${KEYED}/signature.b64`).trim(),
      },
      imageDigest,
      policy: { kind: "key", ...policy },
      trust: noTrust(),
      now: new Date(),
    });
  }

  it("verifies the key-signed signature with cosign.pub, the log ignored", async () => {
    const keys = corpusText(`${KEYED}/cosign.pub`);
    const rekor = { ignoreTlog: true };
    const result = await verifyKeyed({ keys, rekor });
    expect(result.dockerReference).toBe("registry-testing.svc.lan/busybox");
    expect(result.signer).toMatchObject({ kind: "key", keyIndex: 0 });
    await rejectsWith(verifyKeyed({ keys, rekor }, KEYLESS_DIGEST), "PAYLOAD_DIGEST_MISMATCH");
    const wrongKey = corpusText(`${KEYLESS}/rekor.pub`);
    await rejectsWith(verifyKeyed({ keys: wrongKey, rekor }), "SIGNATURE_INVALID");
    await rejectsWith(verifyKeyed({ keys }), "TLOG_MISSING");
  });

  function keylessLayer() {
    return {
      layer: corpusBytes(`${KEYLESS}/simplesigning-payload.json`),
      annotations: {
        "dev.cosignproject.cosign/signature": corpusText(`${KEYLESS}/signature.b64`).trim(),
        "dev.sigstore.cosign/certificate": corpusText(`${KEYLESS}/cert.pem`),
        "dev.sigstore.cosign/bundle": corpusText(`${KEYLESS}/dev.sigstore.cosign-bundle.json`),
      },
    };
  }

  /** The 2021 certificate predates embedded SCTs. */
  const keyless: KeylessPolicy = {
    kind: "keyless",
    subject: "flavio@castelli.me",
    ctlog: { ignoreSCT: true },
  };
  const withGivenRoots = (): KeylessPolicy => ({
    ...keyless,
    roots: corpusText(`${KEYLESS}/fulcio-roots-v1.pem`),
    rekor: { pubKey: corpusText(`${KEYLESS}/rekor.pub`) },
  });
  /** Prepared once: the byte-change loops verify hundreds of times. */
  let givenRoots: PreparedCosignPolicy;
  beforeAll(() => {
    givenRoots = prepareCosignPolicy(withGivenRoots());
  });

  const verifyKeyless = (
    layer = keylessLayer(),
    policy: CosignPolicy | PreparedCosignPolicy = givenRoots,
    trust = noTrust(),
  ) =>
    verifyCosignSignature({
      ...layer,
      imageDigest: KEYLESS_DIGEST,
      policy,
      trust,
      now: new Date(),
    });

  it("verifies the keyless signature with the given Fulcio roots and Rekor key", async () => {
    const result = await verifyKeyless();
    expect(result.signedAt).toEqual(KEYLESS_LOGGED);
    expect(result.tlog).toMatchObject({ logIndex: 783607, kind: "rekord 0.0.1" });
    expect(result.signer).toMatchObject({
      kind: "certificate",
      subjects: ["flavio@castelli.me"],
      issuer: undefined,
    });
    const otherSubject = { ...withGivenRoots(), subject: "someone@else.test" };
    await rejectsWith(verifyKeyless(keylessLayer(), otherSubject), "IDENTITY_MISMATCH");
    const withIssuer = { ...withGivenRoots(), issuer: "https://github.com/login/oauth" };
    await rejectsWith(verifyKeyless(keylessLayer(), withIssuer), "ISSUER_MISMATCH");
  });

  it("verifies it against the production trusted root shipped in the TUF seeds", async () => {
    const production = prepareCosignTrust(corpusJson(PRODUCTION_ROOT));
    const result = await verifyKeyless(keylessLayer(), keyless, production);
    expect(result.tlog?.logId).toBe(
      "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d",
    );
    await rejectsWith(
      verifyKeyless(keylessLayer(), { ...keyless, ctlog: {} }, production),
      "SCT_MISSING",
    );
  });

  describe("fails on every single-byte change", () => {
    let layer: ReturnType<typeof keylessLayer>;
    let annotations: ReturnType<typeof keylessLayer>["annotations"];
    beforeAll(() => {
      layer = keylessLayer();
      annotations = layer.annotations;
    });

    it("of the payload", TAMPER_LOOP, async () => {
      for (let i = 0; i < layer.layer.length; i++) {
        await rejectsWith(
          verifyKeyless({ ...layer, layer: flipped(layer.layer, i) }),
          "PAYLOAD_INVALID",
          "PAYLOAD_TYPE_INVALID",
          "PAYLOAD_DIGEST_MISMATCH",
          "SIGNATURE_INVALID",
        );
      }
    });

    it("of the signature", TAMPER_LOOP, async () => {
      const signature = fromBase64(annotations["dev.cosignproject.cosign/signature"]);
      for (let i = 0; i < signature.length; i++) {
        const changed = {
          ...annotations,
          "dev.cosignproject.cosign/signature": toBase64(flipped(signature, i)),
        };
        await rejectsWith(verifyKeyless({ ...layer, annotations: changed }), "SIGNATURE_INVALID");
      }
    });

    it("of the certificate", TAMPER_LOOP, async () => {
      const cert = fromBase64(
        annotations["dev.sigstore.cosign/certificate"].replace(/-----[A-Z ]+-----|\s/g, ""),
      );
      for (let i = 0; i < cert.length; i++) {
        const changed = {
          ...annotations,
          "dev.sigstore.cosign/certificate": pem("CERTIFICATE", flipped(cert, i)),
        };
        await rejectsWith(
          verifyKeyless({ ...layer, annotations: changed }),
          "CERTIFICATE_INVALID",
          "CHAIN_INVALID",
          "CERTIFICATE_EXPIRED",
        );
      }
    });

    it("of the Rekor SET", TAMPER_LOOP, async () => {
      const bundle = JSON.parse(annotations["dev.sigstore.cosign/bundle"]);
      const set = fromBase64(bundle.SignedEntryTimestamp);
      for (let i = 0; i < set.length; i++) {
        const changedBundle = { ...bundle, SignedEntryTimestamp: toBase64(flipped(set, i)) };
        const changed = {
          ...annotations,
          "dev.sigstore.cosign/bundle": JSON.stringify(changedBundle),
        };
        await rejectsWith(verifyKeyless({ ...layer, annotations: changed }), "TLOG_INVALID");
      }
    });
  });
});

interface V03Bundle {
  verificationMaterial: {
    certificate: { rawBytes: string };
    tlogEntries: {
      logIndex: string;
      logId: { keyId: string };
      integratedTime: string;
      inclusionPromise: { signedEntryTimestamp: string };
      canonicalizedBody: string;
    }[];
  };
  dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] };
}

describe.skipIf(!corporaPresent)(
  "a real keyless attestation (cosign corpus, as an .att layer)",
  () => {
    const ATTESTED_IMAGE =
      "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";

    /** The layer cosign writes for this bundle: Go's JSON of the envelope, the entry as a legacy Rekor bundle. */
    function attestationLayer() {
      const bundle = corpusJson<V03Bundle>(COSIGN_BUNDLE);
      const { dsseEnvelope: dsse, verificationMaterial: material } = bundle;
      const entry = material
        .tlogEntries[0] as V03Bundle["verificationMaterial"]["tlogEntries"][number];
      const layer = new TextEncoder().encode(
        JSON.stringify({
          payloadType: dsse.payloadType,
          payload: dsse.payload,
          signatures: dsse.signatures.map(({ sig }) => ({ keyid: "", sig })),
        }),
      );
      const rekorBundle = {
        SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp,
        Payload: {
          body: entry.canonicalizedBody,
          integratedTime: Number(entry.integratedTime),
          logIndex: Number(entry.logIndex),
          logID: bytesToHex(fromBase64(entry.logId.keyId)),
        },
      };
      return {
        layer,
        annotations: {
          "dev.cosignproject.cosign/signature": "",
          "dev.sigstore.cosign/certificate": pem(
            "CERTIFICATE",
            fromBase64(material.certificate.rawBytes),
          ),
          "dev.sigstore.cosign/bundle": JSON.stringify(rekorBundle),
        },
        loggedAt: new Date(Number(entry.integratedTime) * 1000),
      };
    }

    const policy: CosignPolicy = {
      kind: "keyless",
      subject: "cody@soyland.com",
      issuer: "https://github.com/login/oauth",
    };

    function verify(
      overrides: { imageDigest?: string; predicateType?: string; policy?: CosignPolicy } = {},
    ) {
      const { layer, annotations } = attestationLayer();
      return verifyCosignAttestation({
        layer,
        annotations,
        imageDigest: overrides.imageDigest ?? ATTESTED_IMAGE,
        predicateType: overrides.predicateType,
        policy: overrides.policy ?? policy,
        trust: prepareCosignTrust(corpusJson("cosign/pkg/cosign/testdata/trusted_root_pgi.json")),
        now: new Date(),
      });
    }

    it("verifies the certificate, its SCT, the SET and the logged envelope", async () => {
      const result = await verify({ predicateType: "https://cosign.sigstore.dev/attestation/v1" });
      expect(result?.signer).toMatchObject({
        subjects: ["cody@soyland.com"],
        issuer: "https://github.com/login/oauth",
      });
      expect(result?.tlog).toMatchObject({
        kind: "dsse 0.0.1",
        integratedTime: attestationLayer().loggedAt,
      });
      expect(result?.statement.predicate).toMatchObject({ Timestamp: "2025-02-28T19:18:11Z" });
    });

    it("filters by predicate type, and fails another identity or image", async () => {
      await expect(
        verify({ predicateType: "https://slsa.dev/provenance/v1" }),
      ).resolves.toBeUndefined();
      await rejectsWith(
        verify({ policy: { ...policy, subject: "someone@else.test" } }),
        "IDENTITY_MISMATCH",
      );
      await rejectsWith(verify({ imageDigest: `sha256:${"0".repeat(64)}` }), "SUBJECT_MISMATCH");
    });
  },
);
