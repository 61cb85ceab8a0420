/**
 * notation-go's test envelopes: the JWS and COSE signatures over its OCI
 * layout's manifest, and the mock envelopes its verifier tests use (a leaf
 * under "Notation Test Root", both signing schemes, expiry, plugins).
 */
import { describe, expect, it } from "vitest";
import {
  COSE_MEDIA_TYPE,
  JWS_MEDIA_TYPE,
  type NotaryErrorCode,
  type TrustStoreType,
  verifyNotarySignature,
} from "../../../../src/verify/notary/index.ts";
import { corporaPresent, corpusBytes, corpusText, jwsLeaf, NOTATION_GO } from "./corpora.ts";

const NOW = new Date("2026-01-01T00:00:00Z");
const STORE = `${NOTATION_GO}/verifier/testdata/truststore/x509/ca/valid-trust-store`;
const MOCK = `${NOTATION_GO}/internal/mock/testdata`;
/** The manifest every mock envelope signs. */
const MOCK_TARGET = {
  mediaType: "application/vnd.docker.distribution.manifest.v2+json",
  digest: "sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e",
  size: 528,
};

function verifyMock(file: string, trustStoreType: TrustStoreType = "ca") {
  return verifyNotarySignature({
    envelope: corpusBytes(`${MOCK}/${file}`),
    mediaType: JWS_MEDIA_TYPE,
    target: MOCK_TARGET,
    trustedCertificates: corpusText(`${STORE}/NotationTestRoot.pem`),
    trustStoreType,
    now: NOW,
  });
}

describe.skipIf(!corporaPresent)("notation-go envelopes", () => {
  it("verifies its JWS and COSE signatures over the OCI layout's manifest", async () => {
    const index = JSON.parse(corpusText(`${NOTATION_GO}/internal/testdata/oci-layout/index.json`));
    const image = index.manifests[0];
    const jws = corpusBytes(`${NOTATION_GO}/internal/testdata/jws_signature.sig`);
    // No trust store for this signer ships with the corpora: its own certificate is pinned.
    const trusted = [jwsLeaf(jws)];
    const results = await Promise.all([
      verifyNotarySignature({
        envelope: jws,
        mediaType: JWS_MEDIA_TYPE,
        target: image,
        trustedCertificates: trusted,
        now: NOW,
      }),
      verifyNotarySignature({
        envelope: corpusBytes(`${NOTATION_GO}/internal/testdata/cose_signature.sig`),
        mediaType: COSE_MEDIA_TYPE,
        target: image,
        trustedCertificates: trusted,
        now: NOW,
      }),
    ]);
    for (const [result, format, signingTime] of [
      [results[0], "jws", "2023-03-14T08:10:02Z"],
      [results[1], "cose", "2023-03-14T04:45:22Z"],
    ] as const) {
      expect(result).toMatchObject({
        format,
        algorithm: "PS256",
        signingTime: new Date(signingTime),
        leafSubject: "C=US, ST=WA, L=Seattle, O=Notary, CN=alpine",
        target: { digest: image.digest, size: 481 },
      });
    }
  });

  it("verifies a leaf under Notation Test Root, trusting the root", async () => {
    const result = await verifyMock("ca_valid_sig_env.json");
    expect(result).toMatchObject({
      algorithm: "PS384",
      expiry: new Date("2120-11-09T07:00:00Z"),
      trustedBy: "C=US, ST=WA, L=Seattle, O=Notary, CN=Notation Test Root",
    });
    expect(result.certificateChain).toHaveLength(2);
  });

  it("verifies the signingAuthority scheme only through a signingAuthority store", async () => {
    await expect(verifyMock("sa_valid_sig_env.json", "signingAuthority")).resolves.toMatchObject({
      signingScheme: "notary.x509.signingAuthority",
      signingTime: new Date("2020-11-09T07:00:00Z"),
    });
    await expect(verifyMock("sa_valid_sig_env.json")).rejects.toMatchObject({ code: "UNTRUSTED" });
  });

  it.each<[string, TrustStoreType, NotaryErrorCode]>([
    ["ca_expired_sig_env.json", "ca", "SIGNATURE_EXPIRED"],
    ["sa_expired_sig_env.json", "signingAuthority", "SIGNATURE_EXPIRED"],
    ["ca_invalid_sig_env.json", "ca", "ENVELOPE_INVALID"],
    ["sa_invalid_sig_env.json", "signingAuthority", "ENVELOPE_INVALID"],
    ["ca_plugin_sig_env.json", "ca", "CRITICAL_HEADER_UNSUPPORTED"],
    ["sa_plugin_sig_env.json", "signingAuthority", "CRITICAL_HEADER_UNSUPPORTED"],
    ["ca_compatible_pluginver_sig_env_1.0.0.json", "ca", "CRITICAL_HEADER_UNSUPPORTED"],
  ])("%s fails with %s trust as %s", async (file, storeType, code) => {
    await expect(verifyMock(file, storeType)).rejects.toMatchObject({ code });
  });

  it("returns the user metadata a signer put in the payload", async () => {
    const envelope = corpusBytes(`${MOCK}/sig_env_with_metadata.json`);
    const leaf = jwsLeaf(envelope);
    const result = await verifyNotarySignature({
      envelope,
      mediaType: JWS_MEDIA_TYPE,
      target: {
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        digest: "sha256:5a07385af4e6b6af81b0ebfd435aedccdfa3507f0609c658209e1aba57159b2b",
        size: 942,
      },
      trustedCertificates: [leaf],
      // Its certificate expired in January 2023: verify while it was valid.
      now: new Date("2023-01-11T20:00:00Z"),
    });
    expect(result.target.annotations).toEqual({
      "io.wabbit-networks.buildId": "123",
      "io.wabbit-networks.buildTime": "1672944615",
    });
  });
});
