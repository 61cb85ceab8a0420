import { describe, expect, test } from "vitest";
import { isImgverifyError } from "../../../../src/errors.ts";
import { verifyBundle } from "../../../../src/verify/bundle/verify.ts";
import { prepareTrustedRoot } from "../../../../src/verify/trust/trusted-root.ts";
import { trustedRootFromTufSeeds } from "../../../../src/verify/trust/tuf-seeds.ts";
import {
  CONFORMANCE,
  CONFORMANCE_IDENTITY,
  corporaPresent,
  corpusBytes,
  corpusJson,
  corpusText,
  PRODUCTION_ROOT,
  verifierTestsRun,
} from "./corpora.ts";

function trustRootMessage(json: unknown): string {
  try {
    prepareTrustedRoot(json);
  } catch (err) {
    if (isImgverifyError(err, "TRUST_ROOT_INVALID")) return err.message;
    throw err;
  }
  throw new Error("trusted root accepted, but it must not be");
}

describe("trusted root validation", () => {
  test("lists every authority without a validity start, and other malformed fields, at once", () => {
    const message = trustRootMessage({
      mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      tlogs: [{ baseUrl: "https://log.example", publicKey: { rawBytes: "AA==" }, logId: {} }],
      certificateAuthorities: [
        { uri: "https://ca.example", certChain: { certificates: [] }, validFor: { end: "x" } },
      ],
      ctlogs: "nope",
    });
    expect(message).toContain(
      "tlogs[0] (https://log.example): publicKey.validFor.start is missing",
    );
    expect(message).toContain("tlogs[0] (https://log.example): logId.keyId is missing");
    expect(message).toContain("certificateAuthorities[0] (https://ca.example): certChain");
    expect(message).toContain("certificateAuthorities[0] (https://ca.example): validFor.start");
    expect(message).toContain(
      "certificateAuthorities[0] (https://ca.example): validFor.end is not a time",
    );
    expect(message).toContain("ctlogs is not a list");
  });

  test("refuses what is not a trusted root at all", () => {
    expect(trustRootMessage([])).toContain("not a JSON object");
    expect(trustRootMessage({ mediaType: "text/plain" })).toContain(
      "not a trusted root media type",
    );
  });
});

describe.skipIf(!corporaPresent)("trusted roots from the corpora", () => {
  test("the production root in @sigstore/tuf's seeds is the one the corpora derived", () => {
    const fromSeeds = trustedRootFromTufSeeds(corpusText("sigstore-js/packages/tuf/seeds.json"));
    expect(fromSeeds).toEqual(corpusJson(PRODUCTION_ROOT));
    expect(prepareTrustedRoot(fromSeeds).material.tlogs.length).toBeGreaterThan(0);
  });

  test("seeds without the repository or not JSON are refused", () => {
    const seeds = corpusText("sigstore-js/packages/tuf/seeds.json");
    expect(() => trustedRootFromTufSeeds(seeds, "https://tuf.example")).toThrow(/no trusted_root/);
    expect(() => trustedRootFromTufSeeds("{")).toThrow(/not JSON/);
  });

  test("a root whose log has no validity start is refused, naming the log", () => {
    const root = corpusJson(
      `${CONFORMANCE}/trust-root-tlog-missing-validity-start_fail/trusted_root.json`,
    );
    expect(trustRootMessage(root)).toMatch(
      /^trusted root is invalid: tlogs\[1\] \(https:\/\/log2025-alpha1\.rekor\.sigstage\.dev\): publicKey\.validFor\.start is missing/,
    );
  });
});

describe.skipIf(!verifierTestsRun)("validity ends", () => {
  test("an integrated time equal to the log key's validity end is inside the closed range", () => {
    const dir = `${CONFORMANCE}/trust-root-tlog-validity-end-inclusive`;
    const result = verifyBundle({
      bundle: corpusBytes(`${dir}/bundle.sigstore.json`),
      artifact: { bytes: corpusBytes(`${CONFORMANCE}/../a.txt`) },
      trustedRoot: prepareTrustedRoot(corpusJson(`${dir}/trusted_root.json`)),
      policy: { identity: CONFORMANCE_IDENTITY },
    });
    expect(result.signedAt.toISOString()).toBe("2023-07-12T15:56:36.000Z");
  });
});
