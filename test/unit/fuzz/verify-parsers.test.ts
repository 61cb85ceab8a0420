import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, it } from "vitest";
import { parseBundle } from "../../../src/verify/bundle/parse.ts";
import { parseStatement } from "../../../src/verify/bundle/statement.ts";
import { parseEnvelope } from "../../../src/verify/cosign/dsse.ts";
import { parseSimpleSigning } from "../../../src/verify/cosign/simple-signing.ts";
import { parseRekorBundle } from "../../../src/verify/cosign/transparency/rekor-bundle.ts";
import { parseEntryBody } from "../../../src/verify/cosign/transparency/rekor-entry.ts";
import { parseCoseEnvelope } from "../../../src/verify/notary/cose.ts";
import { parseJwsEnvelope } from "../../../src/verify/notary/jws.ts";
import { parsePayload } from "../../../src/verify/notary/payload.ts";
import { parseTimestampToken } from "../../../src/verify/timestamp/token.ts";
import { FUZZ_SEED, fuzzOptions, mutate, mutationsArb, outcome, utf8 } from "./support.ts";

const root = resolve(process.env.IMGVERIFY_CORPORA ?? "../shared/corpora");
const corporaPresent = existsSync(join(root, "sigstore-go"));
const json = (path: string): unknown => JSON.parse(readFileSync(join(root, path), "utf8"));
const b64 = (text: string) => btoa(text);
const MAX = 1024 * 1024;

// Each parser with the codes it may fail with; all take JSON values (as text or bytes).
const COSIGN = [
  "ENVELOPE_INVALID",
  "SIGNATURE_MISSING",
  "SIGNATURE_INVALID",
  "PAYLOAD_INVALID",
  "PAYLOAD_TYPE_INVALID",
  "TLOG_INVALID",
  "INPUT_INVALID",
];
const BUNDLE = ["BUNDLE_INVALID", "STATEMENT_INVALID", "UNSUPPORTED"];
const NOTARY = [
  "ENVELOPE_INVALID",
  "ENVELOPE_UNSUPPORTED",
  "ALGORITHM_UNSUPPORTED",
  "PAYLOAD_INVALID",
  "CRITICAL_HEADER_UNSUPPORTED",
  "SIGNATURE_MALFORMED",
  "TIMESTAMP_INVALID",
];

const parsers: Record<string, { codes: string[]; run: (value: unknown) => unknown }> = {
  "cosign DSSE envelope": {
    codes: COSIGN,
    run: (v) => parseEnvelope(utf8(JSON.stringify(v)), MAX),
  },
  "simple-signing payload": {
    codes: COSIGN,
    run: (v) => parseSimpleSigning(utf8(JSON.stringify(v)), MAX),
  },
  "Rekor bundle annotation": { codes: COSIGN, run: (v) => parseRekorBundle(JSON.stringify(v)) },
  "Rekor entry body": { codes: COSIGN, run: (v) => parseEntryBody(b64(JSON.stringify(v))) },
  "Sigstore bundle (text)": { codes: BUNDLE, run: (v) => parseBundle(JSON.stringify(v)) },
  "Sigstore bundle (parsed)": { codes: BUNDLE, run: (v) => parseBundle(v as object) },
  "in-toto statement": {
    codes: BUNDLE,
    run: (v) =>
      parseStatement({
        payloadType: "application/vnd.in-toto+json",
        payload: utf8(JSON.stringify(v)),
        signatures: [],
      } as never),
  },
  "Notary JWS envelope": { codes: NOTARY, run: (v) => parseJwsEnvelope(utf8(JSON.stringify(v))) },
  "Notary payload": { codes: NOTARY, run: (v) => parsePayload(utf8(JSON.stringify(v))) },
};

describe(`DSSE, in-toto, bundle, cosign and Notary parser properties (seed ${FUZZ_SEED})`, {
  timeout: 30_000,
}, () => {
  for (const [name, { codes, run }] of Object.entries(parsers)) {
    it(`${name}: arbitrary JSON parses or fails coded`, () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
          outcome(() => run(value), codes);
        }),
        fuzzOptions(200),
      );
    });
  }

  it("binary parsers (COSE, RFC 3161 tokens) take arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        outcome(() => parseCoseEnvelope(bytes), NOTARY);
        outcome(() => parseTimestampToken(bytes), NOTARY);
      }),
      fuzzOptions(300),
    );
  });

  const real: [string, unknown][] = corporaPresent
    ? [
        [
          "Sigstore bundle (parsed)",
          json("cosign/pkg/cosign/testdata/oci-attestation.sigstore.json"),
        ],
        [
          "Sigstore bundle (text)",
          json("sigstore-go/pkg/testing/data/bundles/dsse-2sigs.sigstore.json"),
        ],
        ["Sigstore bundle (text)", json("sigstore-go/examples/bundle-publish.json")],
        [
          "cosign DSSE envelope",
          (
            json("sigstore-go/pkg/testing/data/bundles/dsse.sigstore.json") as {
              dsseEnvelope: unknown;
            }
          ).dsseEnvelope,
        ],
        ["in-toto statement", json("sigstore-go/derived/bundle-provenance.statement.json")],
        ["simple-signing payload", json("sigstore-rs/extracted/keyed/simplesigning-payload.json")],
        [
          "Rekor bundle annotation",
          json("sigstore-rs/extracted/keyless-legacy-bundle/dev.sigstore.cosign-bundle.json"),
        ],
        ["Notary JWS envelope", json("notation-go/internal/mock/testdata/ca_valid_sig_env.json")],
      ]
    : [];

  it.skipIf(!corporaPresent)(
    "mutations of real envelopes, statements and bundles parse or fail coded",
    () => {
      fc.assert(
        fc.property(fc.constantFrom(...real), mutationsArb, ([name, doc], mutations) => {
          const parser = parsers[name];
          if (parser === undefined) throw new Error(`no parser ${name}`);
          const mutated = mutate(doc, mutations);
          outcome(() => parser.run(mutated), parser.codes);
        }),
        fuzzOptions(300),
      );
    },
    20_000,
  );

  it.skipIf(!corporaPresent)(
    "COSE envelopes with flipped and cut bytes parse or fail coded",
    () => {
      const cose = new Uint8Array(
        readFileSync(join(root, "notation-go/internal/testdata/cose_signature.sig")),
      );
      fc.assert(
        fc.property(fc.nat(), fc.nat(255), fc.nat(), (at, byte, cut) => {
          const bytes = cose.slice(0, cose.length - (cut % 8 === 0 ? cut % cose.length : 0));
          if (bytes.length > 0) bytes[at % bytes.length] = byte;
          outcome(() => parseCoseEnvelope(bytes), NOTARY);
        }),
        fuzzOptions(300),
      );
    },
  );
});
