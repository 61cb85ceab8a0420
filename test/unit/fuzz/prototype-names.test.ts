/**
 * Names that every plain object answers through its prototype (`constructor`,
 * `__proto__`, `toString`...) given where input picks a handler or a code by
 * name: each must be an unknown name with its coded error, never a match.
 */
import { VerificationError } from "@sigstore/verify";
import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../src/errors.ts";
import { jmesSearch, substituteString } from "../../../src/policy/index.ts";
import { resolveArtifact } from "../../../src/verify/bundle/artifact.ts";
import { fromLibraryError } from "../../../src/verify/bundle/library-errors.ts";
import { assertSubjectMatches, parseStatement } from "../../../src/verify/bundle/statement.ts";
import { parseSimpleSigning } from "../../../src/verify/cosign/simple-signing.ts";
import { parseEntryBody } from "../../../src/verify/cosign/transparency/rekor-entry.ts";
import { parseJwsEnvelope } from "../../../src/verify/notary/jws.ts";
import { checkOptions } from "../../../src/verify/notary/options.ts";
import { trustedRootFromTufSeeds } from "../../../src/verify/trust/tuf-seeds.ts";
import { PROTOTYPE_NAMES, utf8 } from "./support.ts";

const b64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    if (!isImgverifyError(err)) throw err;
    return err.code;
  }
  return "no error";
}

describe.each(PROTOTYPE_NAMES)("the name %s", (name) => {
  it("is not a Sigstore library error code", () => {
    const err = fromLibraryError(
      new VerificationError({ code: name as never, message: "m" }),
      "step",
    );
    expect(err.code).toBe("SIGNATURE_INVALID");
  });

  it("is not a Rekor entry kind", () => {
    const body = btoa(JSON.stringify({ kind: name, apiVersion: "0.0.1", spec: {} }));
    expect(codeOf(() => parseEntryBody(body))).toBe("TLOG_INVALID");
  });

  it("is not a simple-signing type", () => {
    const payload = { critical: { type: name, image: { "docker-manifest-digest": "sha256:00" } } };
    expect(codeOf(() => parseSimpleSigning(utf8(JSON.stringify(payload)), 4096))).toBe(
      "PAYLOAD_TYPE_INVALID",
    );
  });

  it("is not a digest algorithm of an artifact or an in-toto subject", () => {
    expect(codeOf(() => resolveArtifact({ digest: `${name}:${"0".repeat(64)}` }))).toBe(
      "ARTIFACT_INVALID",
    );
    const statement = {
      _type: "https://in-toto.io/Statement/v1",
      predicateType: name,
      predicate: {},
      subject: [{ name: "x", digest: { [name]: "00" } }],
    };
    // The predicate type is data; the subject's digest names no algorithm the artifact has.
    const parsed = parseStatement({
      payloadType: "application/vnd.in-toto+json",
      payload: utf8(JSON.stringify(statement)),
    } as never);
    const artifact = resolveArtifact({ digest: `sha256:${"0".repeat(64)}` });
    expect(codeOf(() => assertSubjectMatches(parsed, artifact))).toBe("SUBJECT_MISMATCH");
  });

  it("is not a Notary trust store type, JWS algorithm or critical header", () => {
    const target = { mediaType: "m", digest: `sha256:${"0".repeat(64)}`, size: 1 };
    expect(
      codeOf(() =>
        checkOptions({
          envelope: new Uint8Array(),
          mediaType: "application/jose+json",
          trustedCertificates: "",
          now: new Date(),
          target,
          trustStoreType: name as never,
        }),
      ),
    ).toBe("OPTIONS_INVALID");
    const envelope = (header: object) => ({
      protected: b64url(header),
      payload: b64url({}),
      signature: "AA",
      header: { x5c: [] },
    });
    expect(codeOf(() => parseJwsEnvelope(utf8(JSON.stringify(envelope({ alg: name })))))).toBe(
      "ALGORITHM_UNSUPPORTED",
    );
    const crit = {
      alg: "PS256",
      cty: "application/vnd.cncf.notary.payload.v1+json",
      "io.cncf.notary.signingScheme": "notary.x509",
      "io.cncf.notary.signingTime": "2024-01-01T00:00:00Z",
      crit: ["io.cncf.notary.signingScheme", name],
      [name]: 1,
    };
    expect(codeOf(() => parseJwsEnvelope(utf8(JSON.stringify(envelope(crit)))))).toMatch(
      /CRITICAL_HEADER_UNSUPPORTED|ENVELOPE_INVALID/,
    );
  });

  it("is not a field, a lookup key or a variable path of a policy expression", () => {
    const data = { request: { object: { metadata: { labels: { app: "x" } } } } };
    expect(codeOf(() => jmesSearch(`request.object.metadata.labels."${name}"`, data))).toBe(
      "VARIABLE_UNRESOLVED",
    );
    expect(jmesSearch(`to_array(request.object.metadata.labels)[0]."${name}"`, data)).toBeNull();
    expect(jmesSearch(`lookup(request.object.metadata.labels, '${name}')`, data)).toBeNull();
    expect(codeOf(() => substituteString(`{{ request."${name}" }}`, data, "p"))).toBe(
      "VARIABLE_UNRESOLVED",
    );
  });

  it("is not a TUF repository in the seeds", () => {
    expect(codeOf(() => trustedRootFromTufSeeds("{}", name))).toBe("TRUST_ROOT_INVALID");
  });
});
