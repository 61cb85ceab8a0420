/**
 * Settings only classic cosign signatures can apply are refused by the
 * other formats' checks, before the registry is asked anything, rather
 * than ignored.
 */
import { describe, expect, it } from "vitest";
import {
  checkSignatures,
  prepareTrustMaterial,
  type SignerPolicy,
  type TrustPolicy,
} from "../../../src/engine/checks/index.ts";
import { pem } from "../crypto/fixtures.ts";
import { freshKey } from "../verify/cosign/fixtures.ts";
import { EMPTY_ROOT } from "./core/world.ts";
import { setup, targetOf } from "./fixtures.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;

function policy(signer: SignerPolicy, settings: Partial<TrustPolicy> = {}): TrustPolicy {
  return {
    signer,
    trust: prepareTrustMaterial(EMPTY_ROOT),
    requireTlog: true,
    requireSct: true,
    ...settings,
  };
}

async function refusal(trust: TrustPolicy, format: "bundle" | "notary"): Promise<string> {
  const { ctx, net } = setup();
  const refused = checkSignatures(ctx, targetOf(DIGEST), trust, { formats: [format] });
  await expect(refused).rejects.toMatchObject({ code: "POLICY_INVALID" });
  expect(net.log).toEqual([]);
  return refused.then(
    () => "",
    (err: Error) => err.message,
  );
}

describe("Sigstore bundle checks", () => {
  it.each([
    [{ rekorKey: "K" }, "rekor.pubkey"],
    [{ ctlogKey: "K" }, "ctlog.pubkey"],
    [{ annotations: { env: "prod" } }, "required payload annotations"],
  ])("refuse %j", async (settings, named) => {
    const key = await freshKey();
    const keys: SignerPolicy = { kind: "keys", keys: [key.pem] };
    expect(await refusal(policy(keys, settings), "bundle")).toContain(named);
  });

  it("refuse keyless roots and a key digest other than sha256", async () => {
    const key = await freshKey();
    const keyless: SignerPolicy = {
      kind: "keyless",
      identity: { subject: "a@example.test", issuer: "https://issuer.test" },
      roots: pem("CERTIFICATE", new Uint8Array([0x30, 0])),
    };
    expect(await refusal(policy(keyless), "bundle")).toContain("keyless roots");
    const sha384: SignerPolicy = { kind: "keys", keys: [key.pem], signatureAlgorithm: "sha384" };
    expect(await refusal(policy(sha384), "bundle")).toContain("signatureAlgorithm sha384");
  });
});

describe("Notary checks", () => {
  it("refuse cosign-only settings and a certificate policy without certificates", async () => {
    const anchor: SignerPolicy = { kind: "certificate", chain: "-----BEGIN CERTIFICATE-----" };
    expect(await refusal(policy(anchor, { annotations: { a: "b" } }), "notary")).toContain(
      "required payload annotations",
    );
    expect(await refusal(policy(anchor, { rekorKey: "K" }), "notary")).toContain("rekor.pubkey");
    expect(await refusal(policy({ kind: "certificate" }), "notary")).toContain(
      "names no certificate",
    );
  });
});
