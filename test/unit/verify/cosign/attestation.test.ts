import { beforeAll, describe, expect, it } from "vitest";
import {
  type CosignPolicy,
  type CosignTrust,
  prepareCosignTrust,
  verifyCosignAttestation,
} from "../../../../src/verify/cosign/index.ts";
import { type IssuedCertificate, type TestKey, toBase64 } from "../../crypto/fixtures.ts";
import {
  envelope,
  flipped,
  freshKey,
  IMAGE_DIGEST,
  IN_TOTO,
  OTHER_DIGEST,
  pae,
  rejectsWith,
  sha256Hex,
  signedEnvelope,
  statement,
  TAMPER_LOOP,
  utf8,
} from "./fixtures.ts";
import {
  certificatePem,
  dsseEntry,
  type Fulcio,
  ISSUER,
  issueLeaf,
  type Log,
  newFulcio,
  newLog,
  rekorBundle,
  trustedRootJson,
  WORKFLOW_URI,
} from "./sigstore-fixtures.ts";

const NOW = new Date("2026-01-01T00:00:00Z");
const SLSA = "https://slsa.dev/provenance/v1";

let key: TestKey;
let trust: CosignTrust;
let fulcio: Fulcio;
let rekor: Log;

beforeAll(async () => {
  [key, fulcio, rekor] = await Promise.all([freshKey(), newFulcio(), newLog()]);
  trust = prepareCosignTrust(trustedRootJson(fulcio, rekor));
});

const keyPolicy = (): CosignPolicy => ({ kind: "key", keys: key.pem, rekor: { ignoreTlog: true } });

function verify(
  layer: Uint8Array,
  options: {
    policy?: CosignPolicy;
    annotations?: Record<string, string>;
    predicateType?: string;
  } = {},
) {
  return verifyCosignAttestation({
    layer,
    annotations: options.annotations ?? { "dev.cosignproject.cosign/signature": "" },
    imageDigest: IMAGE_DIGEST,
    predicateType: options.predicateType,
    policy: options.policy ?? keyPolicy(),
    trust,
    now: NOW,
  });
}

describe("cosign attestations (DSSE in .att layers)", () => {
  it("verifies a key-signed envelope and returns the statement", async () => {
    const result = await verify(await signedEnvelope(key), { predicateType: SLSA });
    expect(result?.predicateType).toBe(SLSA);
    expect(result?.statement.subject[0]?.digest.sha256).toBe(IMAGE_DIGEST.slice(7));
    expect(result?.statement.predicate).toEqual({
      buildDefinition: { buildType: "https://example.test/build" },
    });
    expect(result?.signer).toMatchObject({ kind: "key", keyIndex: 0 });
  });

  it("resolves undefined, without checking signatures, for another predicate type", async () => {
    const unsigned = envelope(IN_TOTO, statement(), [new Uint8Array(64)]);
    await expect(
      verify(unsigned, { predicateType: "https://spdx.dev/Document" }),
    ).resolves.toBeUndefined();
    await rejectsWith(verify(unsigned, { predicateType: SLSA }), "SIGNATURE_INVALID");
  });

  it("accepts an envelope when any of its signatures verifies", async () => {
    const payload = statement();
    const good = await key.sign(pae(IN_TOTO, payload));
    const other = await (await freshKey()).sign(pae(IN_TOTO, payload));
    expect(await verify(envelope(IN_TOTO, payload, [other, good]))).toBeDefined();
  });

  it("fails a statement about another image, whatever its signature", async () => {
    await rejectsWith(
      verify(await signedEnvelope(key, statement(OTHER_DIGEST))),
      "SUBJECT_MISMATCH",
    );
  });

  it("refuses malformed envelopes and statements with their own codes", async () => {
    await rejectsWith(verify(utf8("[]")), "ENVELOPE_INVALID");
    await rejectsWith(verify(utf8('{"payloadType":"x"}')), "ENVELOPE_INVALID");
    await rejectsWith(verify(envelope(IN_TOTO, statement(), [])), "SIGNATURE_MISSING");
    await rejectsWith(
      verify(await signedEnvelope(key, statement(), "application/json")),
      "ENVELOPE_INVALID",
    );
    await rejectsWith(
      verify(await signedEnvelope(key, utf8('{"_type":"nope"}'))),
      "STATEMENT_INVALID",
    );
    const badSig = utf8(
      JSON.stringify({
        payloadType: IN_TOTO,
        payload: toBase64(statement()),
        signatures: [{ sig: "%%" }],
      }),
    );
    await rejectsWith(verify(badSig), "SIGNATURE_INVALID");
  });

  it("fails under a wrong key", async () => {
    await rejectsWith(verify(await signedEnvelope(await freshKey())), "SIGNATURE_INVALID");
  });

  describe("keyless, with the Rekor entry in the layer annotations", () => {
    let signingKey: TestKey;
    let leaf: IssuedCertificate;
    const policy: CosignPolicy = { kind: "keyless", subject: WORKFLOW_URI, issuer: ISSUER };

    beforeAll(async () => {
      signingKey = await freshKey();
      leaf = await issueLeaf(fulcio, { key: signingKey });
    });

    async function keylessAttestation(logged?: Uint8Array) {
      const payload = statement();
      const signature = await signingKey.sign(pae(IN_TOTO, payload));
      const layer = envelope(IN_TOTO, payload, [signature]);
      const entry = dsseEntry(sha256Hex(logged ?? layer), signature, certificatePem(leaf));
      const annotations = {
        "dev.cosignproject.cosign/signature": "",
        "dev.sigstore.cosign/certificate": certificatePem(leaf),
        "dev.sigstore.cosign/bundle": await rekorBundle(rekor, entry),
      };
      return { layer, annotations };
    }

    it("verifies certificate, SCT, SET and the logged envelope hash", async () => {
      const { layer, annotations } = await keylessAttestation();
      const result = await verify(layer, { policy, annotations, predicateType: SLSA });
      expect(result?.signer).toMatchObject({
        kind: "certificate",
        subjects: [WORKFLOW_URI],
        issuer: ISSUER,
      });
      expect(result?.tlog?.kind).toBe("dsse 0.0.1");
    });

    it("fails when the log holds another envelope", async () => {
      const { layer, annotations } = await keylessAttestation(utf8("{}"));
      await rejectsWith(verify(layer, { policy, annotations }), "TLOG_BODY_MISMATCH");
    });

    it("fails on every single-byte change of the envelope", TAMPER_LOOP, async () => {
      const { layer, annotations } = await keylessAttestation();
      await expect(verify(layer, { policy, annotations })).resolves.toBeDefined();
      for (let i = 0; i < layer.length; i++) {
        await rejectsWith(
          verify(flipped(layer, i), { policy, annotations }),
          "ENVELOPE_INVALID",
          "STATEMENT_INVALID",
          "SUBJECT_MISMATCH",
          "SIGNATURE_INVALID",
          "SIGNATURE_MISSING",
          "TLOG_BODY_MISMATCH",
        );
      }
    });
  });
});
