import seeds from "@sigstore/tuf/seeds.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../../src/errors.ts";
import { prepareCosignPolicy, prepareCosignTrust } from "../../../../src/verify/cosign/index.ts";
import { trustedRootFromTufSeeds } from "../../../../src/verify/trust/tuf-seeds.ts";

function thrown(action: () => unknown): { code: string; message: string } {
  try {
    action();
  } catch (err) {
    if (isImgverifyError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected a coded error");
}

describe("trusted roots for cosign", () => {
  it("reads the production root shipped in @sigstore/tuf's seeds", () => {
    const trust = prepareCosignTrust(trustedRootFromTufSeeds(JSON.stringify(seeds)));
    expect(trust.certificateAuthorities.map((ca) => ca.certificates.length)).toEqual([1, 2]);
    expect(trust.tlogs[0]?.logId).toBe(
      "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d",
    );
    expect(trust.ctlogs.length).toBeGreaterThan(0);
    expect(trust.ctlogs.every((log) => log.validFor?.start instanceof Date)).toBe(true);
  });

  it("lists every problem of a malformed root at once", () => {
    const { code, message } = thrown(() =>
      prepareCosignTrust({
        mediaType: "application/json",
        tlogs: [
          {
            baseUrl: "https://rekor.test",
            publicKey: { rawBytes: "AAAA" },
            logId: { keyId: "AA==" },
          },
        ],
        ctlogs: "none",
        certificateAuthorities: [
          { uri: "https://fulcio.test", certChain: { certificates: [] }, validFor: {} },
        ],
      }),
    );
    expect(code).toBe("TRUST_ROOT_INVALID");
    expect(message).toContain("mediaType");
    expect(message).toContain("tlogs[0] (https://rekor.test)");
    expect(message).toContain("ctlogs is not a list");
    expect(message).toContain(
      "certificateAuthorities[0] (https://fulcio.test): certChain.certificates is empty",
    );
  });

  it("refuses a log without a validity start rather than trusting it since 1970", () => {
    const root = trustedRootFromTufSeeds(JSON.stringify(seeds)) as {
      tlogs: { publicKey: { validFor?: unknown } }[];
    };
    delete (root.tlogs[0] as { publicKey: { validFor?: unknown } }).publicKey.validFor;
    expect(thrown(() => prepareCosignTrust(root)).message).toContain(
      "publicKey.validFor.start is missing",
    );
  });
});

describe("cosign policies", () => {
  it("returns a prepared policy as it is", () => {
    const prepared = prepareCosignPolicy({ kind: "keyless", subject: "a@b.test" });
    expect(prepareCosignPolicy(prepared)).toBe(prepared);
    expect(prepared.tlog).toEqual({ required: true, keys: undefined });
    expect(prepareCosignPolicy({ kind: "keyless", rekor: { ignoreTlog: true } }).tlog).toEqual({
      required: false,
    });
  });

  it("refuses unknown kinds, bad log keys and bad extension names", () => {
    const unknownKind = { kind: "kms", keys: "x" } as unknown as Parameters<
      typeof prepareCosignPolicy
    >[0];
    expect(thrown(() => prepareCosignPolicy(unknownKind)).code).toBe("POLICY_INVALID");
    expect(
      thrown(() => prepareCosignPolicy({ kind: "keyless", rekor: { pubKey: "nope" } })).code,
    ).toBe("POLICY_INVALID");
    expect(
      thrown(() => prepareCosignPolicy({ kind: "keyless", ctlog: { pubKey: "nope" } })).code,
    ).toBe("POLICY_INVALID");
    expect(
      thrown(() =>
        prepareCosignPolicy({
          kind: "keyless",
          additionalExtensions: { githubWorkflowColour: "x" },
        }),
      ).message,
    ).toContain("githubWorkflowColour");
    expect(thrown(() => prepareCosignPolicy({ kind: "keyless", issuerRegExp: "(" }))).toEqual({
      code: "POLICY_INVALID",
      message: 'issuerRegExp pattern "(" is not a valid regular expression',
    });
  });
});
