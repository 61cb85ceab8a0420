/**
 * The Worker's trust material: the root is checked at build time and each
 * part parsed at its first use, so an isolate whose policies never read the
 * Fulcio chains never parses them, and a part that does not parse still
 * fails closed where it is used.
 */
import { describe, expect, it } from "vitest";
import {
  checkSignatures,
  lazyTrustMaterial,
  prepareTrustMaterial,
  type TrustMaterial,
  type TrustPolicy,
  trustRootId,
} from "../../../src/engine/checks/index.ts";
import { OCI_MANIFEST } from "../../../src/oci/index.ts";
import {
  corporaPresent,
  corpusJson,
  corpusText,
  PRODUCTION_ROOT,
} from "../verify/bundle/corpora.ts";
import { REPO, setup, targetOf } from "./fixtures.ts";

const KEYED = "sigstore-rs/extracted/keyed";

/** The production root with its first Fulcio certificate's bytes cut short. */
function rootWithBrokenChain(): Record<string, unknown> {
  const root = structuredClone(corpusJson(PRODUCTION_ROOT)) as {
    certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
  };
  const cert = root.certificateAuthorities[0]?.certChain.certificates[0];
  if (cert === undefined) throw new Error("the production root has no Fulcio chain");
  cert.rawBytes = cert.rawBytes.slice(0, 40);
  return root as unknown as Record<string, unknown>;
}

function keyPolicy(key: string, trust: TrustMaterial): TrustPolicy {
  return { signer: { kind: "keys", keys: [key] }, trust, requireTlog: false, requireSct: true };
}

describe.runIf(corporaPresent)("trust material prepared at first use", () => {
  it("refuses a broken part eagerly in prepareTrustMaterial, and only where it is read lazily", () => {
    const root = rootWithBrokenChain();
    expect(() => prepareTrustMaterial(root)).toThrow(
      expect.objectContaining({ code: "TRUST_ROOT_INVALID" }),
    );
    const lazy = lazyTrustMaterial(root);
    expect(lazy.cosign.tlogs.length).toBeGreaterThan(0);
    expect(lazy.cosign.ctlogs.length).toBeGreaterThan(0);
    expect(() => lazy.cosign.certificateAuthorities).toThrow(
      expect.objectContaining({ code: "TRUST_ROOT_INVALID" }),
    );
    // Still refused on the next read: a failure is never kept as an empty list.
    expect(() => lazy.cosign.certificateAuthorities).toThrow(/certificateAuthorities\[0\]/);
  });

  it("refuses a root that is not one at all at once, lazy or not", () => {
    expect(() => lazyTrustMaterial({ mediaType: "text/plain" })).toThrow(/mediaType/);
    expect(() => lazyTrustMaterial("root")).toThrow(/not a JSON object/);
  });

  it("keeps the root's content id, computed here or handed in from the build", () => {
    const root = corpusJson(PRODUCTION_ROOT);
    expect(lazyTrustMaterial(root).id).toBe(prepareTrustMaterial(root).id);
    expect(lazyTrustMaterial(root, trustRootId(root)).id).toBe(trustRootId(root));
  });

  it("verifies a key-signed cosign signature without parsing the Fulcio chains", async () => {
    const payload = corpusText(`${KEYED}/simplesigning-payload.json`);
    const digest: string = JSON.parse(payload).critical.image["docker-manifest-digest"];
    const signature = corpusText(`${KEYED}/signature.b64`).trim();
    const { registry, ctx } = setup();
    const config = registry.pushBlob(REPO, "{}", "application/vnd.oci.image.config.v1+json");
    const layer = {
      ...registry.pushBlob(REPO, payload, "application/vnd.dev.cosign.simplesigning.v1+json"),
      annotations: { "dev.cosignproject.cosign/signature": signature },
    };
    registry.pushManifest(
      REPO,
      { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] },
      { tags: [`${digest.replace(":", "-")}.sig`] },
    );
    const trust = lazyTrustMaterial(rootWithBrokenChain());
    const policy = keyPolicy(corpusText(`${KEYED}/cosign.pub`), trust);
    const [verified] = await checkSignatures(ctx, targetOf(digest), policy, {
      formats: ["cosign"],
    });
    expect(verified).toMatchObject({ format: "cosign", signer: { kind: "key" } });
  });
});
