/**
 * An admission world for the engine tests: the in-memory registry with
 * images signed by fresh keys (cosign `.sig` and `.att` tags), policies
 * written as JSON (which is YAML) and loaded by the real loader, and
 * AdmissionReview requests decoded by the real decoder.
 */
import { type AdmissionRequest, decodeAdmissionReview } from "../../../../src/admission/index.ts";
import {
  prepareTrustMaterial,
  type TrustMaterial,
  type VerifiedAttestation,
} from "../../../../src/engine/checks/index.ts";
import {
  type AdmissionEvaluation,
  type EngineOptions,
  evaluateAdmission,
  VerificationCache,
} from "../../../../src/engine/index.ts";
import { OCI_MANIFEST } from "../../../../src/oci/index.ts";
import { readPolicies, type VerifyImagesPolicy } from "../../../../src/policy/index.ts";
import { type TestHash, type TestKey, toBase64 } from "../../crypto/fixtures.ts";
import type { FakeRegistry, FakeRegistryOptions } from "../../oci/fake-registry.ts";
import { type Harness, HOST, harness, pushImage } from "../../oci/setup.ts";
import { freshKey, pae, simpleSigning } from "../../verify/cosign/fixtures.ts";

export { freshKey, HOST };

const SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
const DSSE = "application/vnd.dsse.envelope.v1+json";
const IN_TOTO = "application/vnd.in-toto+json";
export const SLSA = "https://slsa.dev/provenance/v1";

/** A trusted root with nothing in it: key-signed evidence without a log needs no more. */
export const EMPTY_ROOT = {
  mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

export interface World extends Harness {
  trust: TrustMaterial;
  cache: VerificationCache;
}

export function world(registry: FakeRegistryOptions = {}, trust?: TrustMaterial): World {
  const h = harness(registry);
  return {
    ...h,
    trust: trust ?? prepareTrustMaterial(EMPTY_ROOT),
    cache: new VerificationCache({ clock: h.clock }),
  };
}

export interface AttestationSpec {
  key: TestKey;
  predicateType?: string;
  predicate: Record<string, unknown>;
}

const encoder = new TextEncoder();

/** One cosign signature of an image. */
export interface SignatureSpec {
  key: TestKey;
  /** The digest the signature is made over; default sha256. */
  hash?: TestHash;
  /** The payload's `optional` annotations (cosign `-a`). */
  optional?: Record<string, unknown>;
  /** Layer annotations beyond the signature (certificate, chain, Rekor bundle) for this payload and signature. */
  annotate?: (payload: Uint8Array, signature: Uint8Array) => Promise<Record<string, string>>;
}

/** cosign's artifact type for signatures stored as OCI 1.1 referrers. */
export const COSIGN_SIG_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json";

/**
 * Pushes `repo:tag` with cosign signatures made as `signatures` say, under
 * the `.sig` tag or, as cosign's OCI 1.1 mode does, in a referrer manifest;
 * returns its digest.
 */
export async function pushSignedWith(
  registry: FakeRegistry,
  repo: string,
  tag: string,
  signatures: readonly SignatureSpec[],
  storage: "tag" | "referrer" = "tag",
): Promise<string> {
  const image = pushImage(registry, repo, [tag]).descriptor;
  const reference = `${HOST}/${repo}`;
  const layers = await Promise.all(
    signatures.map(async ({ key, hash, optional, annotate }) => {
      const payload = simpleSigning({ digest: image.digest, reference, optional });
      const signature = await key.sign(payload, hash === undefined ? {} : { hash });
      return {
        ...registry.pushBlob(repo, payload, SIMPLE_SIGNING),
        annotations: {
          "dev.cosignproject.cosign/signature": toBase64(signature),
          ...(await annotate?.(payload, signature)),
        },
      };
    }),
  );
  if (layers.length === 0) return image.digest;
  if (storage === "tag") {
    pushTagManifest(registry, repo, image.digest, "sig", layers);
    return image.digest;
  }
  const config = registry.pushBlob(repo, "{}", COSIGN_SIG_ARTIFACT);
  const subject = { mediaType: image.mediaType, digest: image.digest, size: image.size };
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers, subject };
  registry.pushManifest(repo, { ...manifest, artifactType: COSIGN_SIG_ARTIFACT });
  return image.digest;
}

/** Pushes `repo:tag`, signed by each of `signers` and attested as `attestations` say; returns its digest. */
export async function pushSigned(
  registry: FakeRegistry,
  repo: string,
  tag: string,
  signers: readonly TestKey[],
  attestations: readonly AttestationSpec[] = [],
): Promise<string> {
  const digest = await pushSignedWith(
    registry,
    repo,
    tag,
    signers.map((key) => ({ key })),
  );
  const reference = `${HOST}/${repo}`;
  const attLayers = await Promise.all(
    attestations.map(async ({ key, predicateType = SLSA, predicate }) => {
      const statement = encoder.encode(
        JSON.stringify({
          _type: "https://in-toto.io/Statement/v1",
          subject: [{ name: reference, digest: { sha256: digest.slice(7) } }],
          predicateType,
          predicate,
        }),
      );
      const signature = await key.sign(pae(IN_TOTO, statement));
      const envelope = JSON.stringify({
        payloadType: IN_TOTO,
        payload: toBase64(statement),
        signatures: [{ keyid: "", sig: toBase64(signature) }],
      });
      return {
        ...registry.pushBlob(repo, envelope, DSSE),
        annotations: { "dev.cosignproject.cosign/signature": "", predicateType },
      };
    }),
  );
  if (attLayers.length > 0) pushTagManifest(registry, repo, digest, "att", attLayers);
  return digest;
}

function pushTagManifest(
  registry: FakeRegistry,
  repo: string,
  digest: string,
  kind: "sig" | "att",
  layers: object[],
): void {
  const config = registry.pushBlob(repo, "{}", "application/vnd.oci.image.config.v1+json");
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers };
  registry.pushManifest(repo, manifest, { tags: [`${digest.replace(":", "-")}.${kind}`] });
}

/** A keys attestor entry for `key`, without a transparency log. */
export function keyEntry(key: TestKey): Record<string, unknown> {
  return { keys: { publicKeys: key.pem, rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } } };
}

export interface PolicySpec {
  name?: string;
  action?: "Enforce" | "Audit";
  failurePolicy?: "Fail" | "Ignore";
  timeoutSeconds?: number;
  /** verifyImages entries, each a rule of its own unless `rules` is given. */
  entries?: Record<string, unknown>[];
  rules?: { name: string; entries: Record<string, unknown>[]; kinds?: string[] }[];
  extra?: Record<string, unknown>;
}

export function policyDoc(spec: PolicySpec): Record<string, unknown> {
  const rules: NonNullable<PolicySpec["rules"]> =
    spec.rules ?? (spec.entries ?? []).map((e, i) => ({ name: `r${i}`, entries: [e] }));
  return {
    apiVersion: "kyverno.io/v1",
    kind: "ClusterPolicy",
    metadata: { name: spec.name ?? "p" },
    spec: {
      validationFailureAction: spec.action ?? "Enforce",
      ...(spec.failurePolicy && { failurePolicy: spec.failurePolicy }),
      ...(spec.timeoutSeconds && { webhookTimeoutSeconds: spec.timeoutSeconds }),
      ...spec.extra,
      rules: rules.map((r) => ({
        name: r.name,
        match: { any: [{ resources: { kinds: r.kinds ?? ["Pod"] } }] },
        verifyImages: r.entries,
      })),
    },
  };
}

/** Loads policy documents through the real loader; any issue fails the test. */
export function policies(...specs: PolicySpec[]): VerifyImagesPolicy[] {
  const result = readPolicies(
    specs.map((spec, i) => ({ path: `p${i}.json`, text: JSON.stringify(policyDoc(spec)) })),
  );
  if (result.issues.length > 0) throw new Error(JSON.stringify(result.issues, null, 2));
  return [...result.policies];
}

export interface ContainerSpec {
  name: string;
  image: string;
}

/** The AdmissionReview JSON of a CREATE for a Pod (or a Deployment) with `containers`. */
export function reviewJson(
  containers: readonly ContainerSpec[],
  kind: "Pod" | "Deployment" = "Pod",
): Record<string, unknown> {
  const spec = { containers };
  const object =
    kind === "Pod"
      ? { apiVersion: "v1", kind, metadata: { name: "web", namespace: "shop" }, spec }
      : {
          apiVersion: "apps/v1",
          kind,
          metadata: { name: "web", namespace: "shop" },
          spec: { template: { metadata: {}, spec } },
        };
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: REVIEW_UID,
      kind: { group: kind === "Pod" ? "" : "apps", version: "v1", kind },
      resource: {
        group: kind === "Pod" ? "" : "apps",
        version: "v1",
        resource: `${kind.toLowerCase()}s`,
      },
      name: "web",
      namespace: "shop",
      operation: "CREATE",
      userInfo: { username: "alice", groups: ["system:authenticated"] },
      object,
    },
  };
}

export const REVIEW_UID = "705ab4f5-6393-11e8-b7cc-42010a800002";

/** The decoded request of `reviewJson(containers, kind)`. */
export function admission(
  containers: readonly ContainerSpec[],
  kind: "Pod" | "Deployment" = "Pod",
): AdmissionRequest {
  return decodeAdmissionReview(reviewJson(containers, kind));
}

export function evaluate(
  w: World,
  request: AdmissionRequest,
  loaded: readonly VerifyImagesPolicy[],
  options: EngineOptions = {},
): Promise<AdmissionEvaluation> {
  return evaluateAdmission(request, {
    policies: loaded,
    client: w.client,
    trust: w.trust,
    clock: w.clock,
    cache: w.cache,
    options,
  });
}

/** What a verdict says, without timings. */
export const verdictOf = (e: AdmissionEvaluation) => ({
  allowed: e.allowed,
  message: e.message,
  warnings: e.warnings,
  patch: e.patch,
  results: e.results,
});

/** An entry for every image here wanting an SLSA attestation by `key` that meets `conditions`. */
export function attestedEntry(
  key: TestKey,
  conditions: readonly unknown[],
): Record<string, unknown> {
  return {
    imageReferences: REFS,
    attestations: [{ type: SLSA, attestors: [{ entries: [keyEntry(key)] }], conditions }],
  };
}

/** `status message` of each result, for comparisons. */
export function statuses(evaluation: AdmissionEvaluation): string[] {
  return evaluation.results.map((r) => `${r.policy}/${r.rule} ${r.image} ${r.status}`);
}

export const image = (repo: string, tag = "v1"): string => `${HOST}/${repo}:${tag}`;
export const REFS = [`${HOST}/*`];

/**
 * Moves the fake clock on in steps until `promise` settles (at most
 * `limitMs` of fake time). Each step also lets a little real time pass, so
 * work that does not follow the fake clock (WebCrypto) finishes as it would
 * long before a real deadline.
 */
export async function runClock<T>(w: World, promise: Promise<T>, limitMs = 20_000): Promise<T> {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let waited = 0; !done && waited < limitMs; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    await w.clock.advance(100);
  }
  return promise;
}

/** A verified SLSA attestation as the cache holds one, with `predicate`. */
export const verifiedAttestation = (predicate: unknown): VerifiedAttestation => ({
  format: "cosign",
  source: "registry.example.test/app@sha256:00",
  signer: { kind: "key", keyId: "ab" },
  predicateType: "https://slsa.dev/provenance/v1",
  statement: {
    _type: "https://in-toto.io/Statement/v1",
    subject: [],
    predicateType: "x",
    predicate,
  } as VerifiedAttestation["statement"],
});
