/**
 * The shared RFC 3161 verifier against tokens from a real TSA (openssl ts):
 * what every verifier that takes a timestamp relies on, outside any one
 * signature format.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type Certificate, parseCertificates } from "../../../src/crypto/index.ts";
import { isImgverifyError } from "../../../src/errors.ts";
import { verifyTimestamp } from "../../../src/verify/timestamp/index.ts";
import { type OpensslTsa, opensslTsa } from "../../support/openssl-tsa.ts";

const SIGNATURE = new TextEncoder().encode("the signature a TSA was asked to stamp");

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isImgverifyError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return "verified";
}

describe("RFC 3161 timestamps from openssl ts", () => {
  let tsa: OpensslTsa;
  let trusted: Certificate[];
  let stranger: Certificate[];

  beforeAll(async () => {
    tsa = await opensslTsa();
    trusted = parseCertificates(tsa.rootPem);
    stranger = parseCertificates((await opensslTsa("another")).rootPem);
  }, 60_000);

  it("verifies a token over the stamped bytes and reports its time and authority", async () => {
    const before = Date.now();
    const token = await tsa.stamp(SIGNATURE);
    const stamped = await verifyTimestamp(token, SIGNATURE, trusted);
    expect(stamped.authority).toBe("CN=imgverify test TSA");
    expect(Math.abs(stamped.time.getTime() - before)).toBeLessThan(60_000);
    expect(stamped.latest.getTime() - stamped.earliest.getTime()).toBe(2_000);
  });

  it.each(["sha384", "sha512"] as const)("takes a %s imprint", async (hash) => {
    const token = await tsa.stamp(SIGNATURE, { hash });
    await expect(verifyTimestamp(token, SIGNATURE, trusted)).resolves.toMatchObject({
      authority: "CN=imgverify test TSA",
    });
  });

  it("refuses a token over other bytes", async () => {
    const token = await tsa.stamp(SIGNATURE);
    const other = new TextEncoder().encode("another signature");
    expect(await codeOf(verifyTimestamp(token, other, trusted))).toBe(
      "TIMESTAMP_INVALID: timestamp: its message imprint is not the hash of the signature it stamps",
    );
  });

  it("refuses a TSA that does not chain to a trusted root", async () => {
    const token = await tsa.stamp(SIGNATURE);
    expect(await codeOf(verifyTimestamp(token, SIGNATURE, stranger))).toMatch(
      /^TIMESTAMP_UNTRUSTED: timestamp: the TSA certificate is not trusted at /,
    );
  });

  it("refuses a token without the TSA's certificate", async () => {
    const token = await tsa.stamp(SIGNATURE, { withCertificate: false });
    expect(await codeOf(verifyTimestamp(token, SIGNATURE, trusted))).toBe(
      "TIMESTAMP_INVALID: timestamp: the TSA's certificate is not in the token",
    );
  });

  it("applies the caller's own rules for the TSA certificate, naming the token as asked", async () => {
    const token = await tsa.stamp(SIGNATURE);
    const strict = verifyTimestamp(token, SIGNATURE, trusted, {
      what: "timestamp countersignature",
      checkAuthority: (cert) => {
        throw new Error(`${cert.subject.text} is not on the allow list`);
      },
    });
    expect(await codeOf(strict)).toBe(
      "TIMESTAMP_INVALID: timestamp countersignature: CN=imgverify test TSA is not on the allow list",
    );
  });

  it("refuses every truncation and a flipped byte of the signed content without a crash", async () => {
    const token = await tsa.stamp(SIGNATURE);
    const codes = new Set<string>();
    for (let length = 0; length < token.length; length += 37) {
      codes.add(
        (await codeOf(verifyTimestamp(token.subarray(0, length), SIGNATURE, trusted))).split(
          ":",
        )[0] as string,
      );
    }
    expect([...codes]).toEqual(["TIMESTAMP_INVALID"]);
    expect(await codeOf(verifyTimestamp(token.subarray(0, 10), SIGNATURE, trusted))).toMatch(
      /^TIMESTAMP_INVALID: the timestamp is not a DER RFC 3161 token: /,
    );
    const flipped = token.slice();
    const at = flipped.length - 80; // inside the signature value at the end of the SignerInfo
    flipped[at] = (flipped[at] as number) ^ 0x01;
    expect(await codeOf(verifyTimestamp(flipped, SIGNATURE, trusted))).toMatch(
      /^TIMESTAMP_INVALID: /,
    );
  });
});
