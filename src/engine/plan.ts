/**
 * The checks one verifyImages entry needs for one image, as a tree the
 * runner fills in and the fold reads: attestor sets of signature checks,
 * then each attestation's sets of attestation checks. Every leaf is an
 * independent question about the image's digest, so all can run at once.
 */
import type { ExtractedImage } from "../admission/index.ts";
import type {
  Attestation,
  AttestorSet,
  ImageVerification,
  ResolvedRule,
  VerifyImagesPolicy,
} from "../policy/index.ts";
import { derivedValues } from "../store/ttl-cache.ts";
import { canonicalJson, configId, trustId } from "./cache/cache.ts";
import type { Evidence, ImageTarget, TrustMaterial, VerifiedSignature } from "./checks/index.ts";
import { engineError } from "./errors.ts";
import type { EntryCredentials } from "./pull-secrets.ts";
import { type CheckSpec, checkSpec, type LeafAttestor } from "./trust-policy.ts";

export type Settled<T> =
  | { state: "done"; value: T }
  | { state: "failed"; error: unknown }
  | { state: "pending" };

export interface Leaf {
  readonly path: string;
  readonly evidence: Evidence;
  readonly spec: CheckSpec;
  /** The configuration as canonical JSON: equal text, equal question. */
  readonly configKey: string;
  /** A short name for `configKey`, equal for equal keys: what in-request keys are built from. */
  readonly configName: string;
  /** Its hash, as the cross-request cache keys it; computed once per configuration. */
  readonly configId: () => Promise<string>;
  outcome: Settled<readonly VerifiedSignature[]>;
}

export type EntryPlan =
  | { readonly kind: "leaf"; readonly path: string; readonly leaf: Leaf }
  | { readonly kind: "nested"; readonly path: string; readonly set: SetPlan }
  /** An attestor the checks cannot use: its error, reported when the set is folded. */
  | { readonly kind: "invalid"; readonly path: string; readonly error: unknown };

export interface SetPlan {
  readonly path: string;
  /** How many entries must verify. */
  readonly required: number;
  readonly entries: readonly EntryPlan[];
}

export interface AttestationPlan {
  readonly attestation: Attestation;
  readonly sets: readonly SetPlan[];
}

/** One verifyImages entry of one rule for one image. */
export interface Unit {
  readonly policy: VerifyImagesPolicy;
  readonly rule: ResolvedRule;
  readonly verification: ImageVerification;
  readonly image: ExtractedImage;
  readonly signatureSets: readonly SetPlan[];
  readonly attestations: readonly AttestationPlan[];
  /** Set when the unit is decided before any check (e.g. a missing digest). */
  readonly refused?: string;
  /** The entry's pull secrets, for every registry call the unit makes. */
  readonly credentials?: EntryCredentials;
  target: Settled<ImageTarget>;
}

export interface UnitInput {
  policy: VerifyImagesPolicy;
  rule: ResolvedRule;
  verification: ImageVerification;
  image: ExtractedImage;
  trust: TrustMaterial;
  credentials: EntryCredentials | undefined;
  /** Whether this answer can carry a patch (a mutating webhook). */
  mutate: boolean;
}

export function planUnit(input: UnitInput): Unit {
  const { verification, image, trust } = input;
  const base = {
    policy: input.policy,
    rule: input.rule,
    verification,
    image,
    ...(input.credentials !== undefined && { credentials: input.credentials }),
    target: { state: "pending" } as Settled<ImageTarget>,
  };
  const pinned = image.info.digest !== "";
  if (verification.verifyDigest && !pinned && !(verification.mutateDigest && input.mutate)) {
    return {
      ...base,
      signatureSets: [],
      attestations: [],
      refused: `missing digest for ${image.info.reference}`,
    };
  }
  const signature: Evidence = { kind: "signature" };
  return {
    ...base,
    signatureSets: verification.attestors.map((set) =>
      planSet(set, signature, verification, trust),
    ),
    attestations: verification.attestations.map((attestation) => {
      const evidence: Evidence = { kind: "attestation", predicateType: attestation.type };
      const sets =
        attestation.attestors.length > 0 ? attestation.attestors : verification.attestors;
      if (sets.length === 0) {
        const error = engineError(
          "UNSUPPORTED_ATTESTOR",
          `${attestation.path}: the attestation names no attestors and its entry has none; imgverify checks who signed every attestation`,
        );
        return {
          attestation,
          sets: [
            { path: attestation.path, required: 1, entries: [invalid(attestation.path, error)] },
          ],
        };
      }
      return { attestation, sets: sets.map((set) => planSet(set, evidence, verification, trust)) };
    }),
  };
}

function planSet(
  set: AttestorSet,
  evidence: Evidence,
  verification: ImageVerification,
  trust: TrustMaterial,
): SetPlan {
  const entries = set.entries.map((entry): EntryPlan => {
    if (entry.kind === "nested") {
      return {
        kind: "nested",
        path: entry.path,
        set: planSet(entry.attestorSet, evidence, verification, trust),
      };
    }
    try {
      const leaf: Leaf = {
        path: entry.path,
        evidence,
        ...leafConfig(entry, evidence, verification, trust),
        outcome: { state: "pending" },
      };
      return { kind: "leaf", path: entry.path, leaf };
    } catch (error) {
      return invalid(entry.path, error);
    }
  });
  // Kyverno: `count` entries, or all of them when no count is given.
  const required = set.count !== undefined && set.count > 0 ? set.count : entries.length;
  return { path: set.path, required, entries };
}

function invalid(path: string, error: unknown): EntryPlan {
  return { kind: "invalid", path, error };
}

/** The attestor sets of a unit in the order they are folded: signature sets, then each attestation's. */
export function setsOf(unit: Unit): SetPlan[] {
  return [...unit.signatureSets, ...unit.attestations.flatMap(({ sets }) => sets)];
}

/** Every leaf of a unit, signature checks first. */
export function leavesOf(unit: Unit): Leaf[] {
  const out: Leaf[] = [];
  const walk = (set: SetPlan): void => {
    for (const entry of set.entries) {
      if (entry.kind === "leaf") out.push(entry.leaf);
      else if (entry.kind === "nested") walk(entry.set);
    }
  };
  for (const set of setsOf(unit)) walk(set);
  return out;
}

type LeafConfig = Pick<Leaf, "spec" | "configKey" | "configName" | "configId">;

/**
 * Short names of configuration keys. A key holds the whole attestor (keys,
 * conditions) and every leaf's in-request key is built from it on every
 * admission; a name is a few characters. One evicted and named again gets a
 * new name: a check is then run twice, never shared between two configurations.
 */
const configNames = derivedValues<string>(4096, 8 * 1024 * 1024);
let configsNamed = 0;

function configName(configKey: string): string {
  let name = configNames.get(configKey);
  if (name === undefined) {
    name = `#${(configsNamed++).toString(36)}`;
    configNames.set(configKey, name);
  }
  return name;
}

/**
 * Leaf configurations by entry: a rule without variables keeps its entry
 * objects across requests (see resolveRule), so its checks are specified and
 * keyed once rather than on every admission.
 */
const leafConfigs = new WeakMap<
  ImageVerification,
  WeakMap<LeafAttestor, Map<string, LeafConfig>>
>();

function leafConfig(
  entry: LeafAttestor,
  evidence: Evidence,
  verification: ImageVerification,
  trust: TrustMaterial,
): LeafConfig {
  const trustKey = trustId(trust);
  const key = `${trustKey}|${evidence.kind === "attestation" ? `attestation:${evidence.predicateType}` : "signature"}`;
  let byEntry = leafConfigs.get(verification);
  if (byEntry === undefined) leafConfigs.set(verification, (byEntry = new WeakMap()));
  let byEvidence = byEntry.get(entry);
  if (byEvidence === undefined) byEntry.set(entry, (byEvidence = new Map()));
  const known = byEvidence.get(key);
  if (known !== undefined) return known;
  const spec = checkSpec(entry, verification, trust);
  // Every setting of the policy but the trust material, which is named by its id.
  const { trust: _material, ...settings } = spec.policy;
  const configKey = canonicalJson({
    evidence,
    ...settings,
    trust: trustKey,
    location: spec.location,
  });
  let id: Promise<string> | undefined;
  const hashOnce = (): Promise<string> =>
    (id ??= configId(configKey).catch((error: unknown) => {
      id = undefined; // a failure is never kept
      throw error;
    }));
  const config = { spec, configKey, configName: configName(configKey), configId: hashOnce };
  byEvidence.set(key, config);
  return config;
}
