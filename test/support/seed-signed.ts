import { createPrivateKey, randomUUID, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { localLog } from "../integration/verify/local-log.ts";
import {
  attestationBundle,
  bundleKey,
  publishReferrers,
  pushBundleReferrer,
  signatureBundle,
} from "../integration/verify/sign-bundle.ts";
import { opensslKey, pushCosignManifest } from "../integration/verify/support.ts";
import { makeTempDir, removeTempDir } from "./cleanup.ts";
import type { RegistryInfo } from "./context.ts";
import { attestationLayer, type SignBytes, signatureLayer } from "./cosign-layers.ts";
import { pushImage } from "./images.ts";
import { RegistryClient } from "./registry-client.ts";

/**
 * Signed images for benchmarks and engine tests: real images pushed with
 * umoci and skopeo, each with a cosign `.sig` manifest holding one signature
 * per signer key, a `.att` manifest holding one DSSE attestation per signer
 * and predicate type, and optionally Sigstore bundles (a signature and the
 * same attestations) as referrers, witnessed by a local transparency log.
 * Cosign artifacts carry no log entry: verify them with the log not required.
 */

export const SLSA_PROVENANCE = "https://slsa.dev/provenance/v1";
export const CYCLONEDX_BOM = "https://cyclonedx.org/bom";
export const COSIGN_VULN = "https://cosign.sigstore.dev/attestation/vuln/v1";

/** Small predicates shaped like what the real producers write. */
const PREDICATES: Record<string, object> = {
  [SLSA_PROVENANCE]: {
    buildDefinition: {
      buildType: "https://actions.github.io/buildtypes/workflow/v1",
      externalParameters: {
        workflow: { ref: "refs/heads/main", path: ".github/workflows/build.yml" },
      },
      resolvedDependencies: [{ uri: "git+https://example.com/app@refs/heads/main" }],
    },
    runDetails: { builder: { id: "https://example.com/builder/v1" } },
  },
  [CYCLONEDX_BOM]: {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    version: 1,
    components: [
      { type: "library", name: "zlib", version: "1.3.1", purl: "pkg:deb/debian/zlib@1.3.1" },
      {
        type: "library",
        name: "openssl",
        version: "3.0.15",
        purl: "pkg:deb/debian/openssl@3.0.15",
      },
    ],
  },
  [COSIGN_VULN]: {
    invocation: { uri: "https://example.com/scan", event_id: "1" },
    scanner: {
      uri: "pkg:github/aquasecurity/trivy@0.50.0",
      version: "0.50.0",
      result: { vulnerabilities: [] },
    },
    metadata: { scanStartedOn: "2026-01-01T00:00:00Z", scanFinishedOn: "2026-01-01T00:00:05Z" },
  },
};

export interface SeedOptions {
  /** How many images; default 1, at most 200. */
  images?: number;
  /** How many ECDSA P-256 keys sign each image; default 1, at most 20. */
  signers?: number;
  /** Predicate types attested by every signer; each needs a predicate above. */
  attestations?: readonly string[];
  /** Also attach Sigstore bundles (signature and attestations) as referrers. */
  bundles?: boolean;
  /** Repository prefix; images go to `PREFIX-i`. Default a fresh `seed/signed-XXXXXXXX`. */
  repository?: string;
  /** Images seeded at once; default 4. */
  concurrency?: number;
}

export interface SeededKey {
  name: string;
  publicKeyPem: string;
}

export interface SeededSignedImages {
  images: { reference: string; repository: string; digest: string }[];
  /** The `.sig`/`.att` signers; with `bundles`, also the "bundle" key. */
  keys: SeededKey[];
  /** A trusted root naming only the local log that witnessed the bundles. */
  trustedRootJson?: string;
}

const MAX_IMAGES = 200;
// cosign v3 annotates each bundle referrer with what its statement is.
const BUNDLE_PREDICATE_TYPE = "dev.sigstore.bundle.predicateType";
const MAX_SIGNERS = 20;

function bounded(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`seedSignedImages: ${what} must be 1..${max}, got ${value}`);
  }
  return value;
}

/** Runs `work` over `items` with at most `limit` at a time, keeping order. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

interface Signer extends SeededKey {
  sign: SignBytes;
}

/** Keys made by openssl; signing in-process gives the same ECDSA-over-SHA-256 DER signatures. */
async function makeSigners(count: number): Promise<Signer[]> {
  const dir = makeTempDir("seed-keys");
  try {
    return await mapBounded(
      Array.from({ length: count }, (_, i) => `signer-${i + 1}`),
      4,
      async (name) => {
        const key = await opensslKey(dir, "ecdsa-p256", name);
        const privateKey = createPrivateKey(readFileSync(key.privatePath));
        return {
          name,
          publicKeyPem: key.publicPem,
          sign: async (data) => sign("sha256", Buffer.from(data), privateKey),
        };
      },
    );
  } finally {
    removeTempDir(dir);
  }
}

export async function seedSignedImages(
  registry: RegistryInfo,
  options: SeedOptions = {},
): Promise<SeededSignedImages> {
  const count = bounded(options.images ?? 1, MAX_IMAGES, "images");
  const signerCount = bounded(options.signers ?? 1, MAX_SIGNERS, "signers");
  const types = options.attestations ?? [];
  const unknown = types.find((type) => PREDICATES[type] === undefined);
  if (unknown !== undefined) throw new Error(`seedSignedImages: no predicate for ${unknown}`);
  const prefix = options.repository ?? `seed/signed-${randomUUID().slice(0, 8)}`;
  const signers = await makeSigners(signerCount);
  const log = options.bundles ? localLog() : undefined;
  const bundleSigner = options.bundles ? bundleKey() : undefined;
  const client = new RegistryClient(registry);

  const images = await mapBounded(
    Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`),
    bounded(options.concurrency ?? 4, 16, "concurrency"),
    async (repository) => {
      const image = await pushImage(registry, repository, "v1");
      const identity = `${registry.host}/${repository}`;
      const signatures = await Promise.all(
        signers.map((s) => signatureLayer(s.sign, identity, image.digest)),
      );
      await pushCosignManifest(client, repository, image.digest, "sig", signatures);
      if (types.length > 0) {
        const attestations = await Promise.all(
          signers.flatMap((s) =>
            types.map((type) =>
              attestationLayer(s.sign, image.digest, type, PREDICATES[type] as object),
            ),
          ),
        );
        await pushCosignManifest(client, repository, image.digest, "att", attestations);
      }
      if (log && bundleSigner) {
        const manifest = await client.getManifest(repository, image.digest);
        const signature = await signatureBundle(bundleSigner, log.witness, manifest.bytes);
        const referrers = [await pushBundleReferrer(client, repository, manifest, signature)];
        for (const type of types) {
          const predicate = PREDICATES[type] as object;
          const bundle = await attestationBundle(
            bundleSigner,
            log.witness,
            image.digest,
            type,
            predicate,
          );
          const annotations = { [BUNDLE_PREDICATE_TYPE]: type };
          referrers.push(
            await pushBundleReferrer(client, repository, manifest, bundle, annotations),
          );
        }
        await publishReferrers(client, repository, image.digest, referrers);
      }
      return { reference: image.reference, repository, digest: image.digest };
    },
  );

  const keys: SeededKey[] = signers.map(({ name, publicKeyPem }) => ({ name, publicKeyPem }));
  if (!log || !bundleSigner) return { images, keys };
  return {
    images,
    keys: [...keys, { name: "bundle", publicKeyPem: bundleSigner.publicPem }],
    trustedRootJson: JSON.stringify(log.trustedRoot),
  };
}
