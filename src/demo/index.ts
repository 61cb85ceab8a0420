/**
 * The demo `serve` starts without --policy: one Enforce ClusterPolicy with a
 * key attestor and mutateDigest, over an in-process registry holding a signed
 * and an unsigned image, so the webhook can be tried with curl at once.
 */
import type { Deps, Fetch } from "../deps.ts";
import { prepareTrustMaterial } from "../engine/checks/index.ts";
import {
  type EngineContext,
  VerificationCache,
  type VerificationCacheOptions,
} from "../engine/index.ts";
import { OCI_MANIFEST, RegistryClient } from "../oci/index.ts";
import { loadPolicies } from "../policy/index.ts";
import { DemoRegistry, inProcessFetch } from "./registry.ts";
import { generateDemoKey, pushCosignSignature } from "./signing.ts";

export const DEMO_HOST = "demo.imgverify.local";
export const DEMO_POLICY = "demo-verify-images";
export const SIGNED_IMAGE: string = `${DEMO_HOST}/signed:v1`;
export const UNSIGNED_IMAGE: string = `${DEMO_HOST}/unsigned:v1`;

/** Key-signed evidence without a transparency log needs no trust roots at all. */
const EMPTY_TRUSTED_ROOT = {
  mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

export interface Demo {
  engine: EngineContext;
  /** The `fetch` of the engine's registry client: the demo host in-process, the rest real. */
  fetch: Fetch;
}

async function pushImage(registry: DemoRegistry, repo: string): Promise<string> {
  const config = await registry.pushBlob(
    repo,
    `{"architecture":"amd64","os":"linux","config":{"Labels":{"demo":"${repo}"}}}`,
    "application/vnd.oci.image.config.v1+json",
  );
  const layer = await registry.pushBlob(
    repo,
    `imgverify demo layer of ${repo}`,
    "application/vnd.oci.image.layer.v1.tar+gzip",
  );
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] };
  return (await registry.pushManifest(repo, manifest, "v1")).digest;
}

function demoPolicyJson(publicKeyPem: string): string {
  return JSON.stringify({
    apiVersion: "kyverno.io/v1",
    kind: "ClusterPolicy",
    metadata: { name: DEMO_POLICY },
    spec: {
      validationFailureAction: "Enforce",
      webhookTimeoutSeconds: 10,
      rules: [
        {
          name: "signed-by-demo-key",
          match: { any: [{ resources: { kinds: ["Pod"] } }] },
          verifyImages: [
            {
              imageReferences: [`${DEMO_HOST}/*`],
              mutateDigest: true,
              attestors: [
                {
                  entries: [
                    {
                      keys: {
                        publicKeys: publicKeyPem,
                        rekor: { ignoreTlog: true },
                        ctlog: { ignoreSCT: true },
                      },
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
  });
}

/**
 * Builds the demo registry (signing with a key made now) and the engine over
 * it, its cache bounded by `cache` (the defaults when absent).
 */
export async function createDemo(
  deps: Deps,
  cache: Omit<VerificationCacheOptions, "clock"> = {},
): Promise<Demo> {
  const registry = new DemoRegistry(DEMO_HOST);
  const key = await generateDemoKey();
  const signed = await pushImage(registry, "signed");
  await pushCosignSignature(registry, "signed", signed, key);
  await pushImage(registry, "unsigned");
  const fetch = inProcessFetch(registry, deps.fetch);
  const { policies } = loadPolicies([
    { path: "demo-policy.json", text: demoPolicyJson(key.publicKeyPem) },
  ]);
  const engine: EngineContext = {
    policies,
    client: new RegistryClient({ deps: { ...deps, fetch } }),
    trust: prepareTrustMaterial(EMPTY_TRUSTED_ROOT),
    clock: deps.clock,
    cache: new VerificationCache({ ...cache, clock: deps.clock }),
  };
  return { engine, fetch };
}
