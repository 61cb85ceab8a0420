import { policyError } from "../errors.ts";
import { isRemoteKeyReference, remoteKeyRefusal } from "../kyverno/parse-attestor.ts";
import { isMapping } from "../kyverno/reader.ts";
import { type SecretSource, secretText } from "../kyverno/secrets.ts";
import type {
  Attestor,
  AttestorSet,
  ImageVerification,
  KeysAttestor,
  SecretReference,
  VerifyImagesRule,
} from "../types.ts";
import type { EvaluationOptions } from "./conditions.ts";
import { withEvaluation } from "./conditions.ts";
import { substituteString, type Variables } from "./variables.ts";

/** A rule whose verifyImages strings hold no variables any more, with the data they were resolved against. */
export interface ResolvedRule extends VerifyImagesRule {
  /** The rule data (base data plus context entries), for attestation conditions and validate.deny. */
  readonly data: Variables;
}

const PEM_KEY_END = "-----END PUBLIC KEY-----";

/** Fields whose variables wait for evaluation time (conditions) or that are not policy text. */
const UNRESOLVED_FIELDS: ReadonlySet<string> = new Set(["conditions", "validate", "path"]);

// Every string leaf is substituted and must stay a string; conditions are left for evaluation time.
function resolveStrings<T>(value: T, data: Variables, where: string): T {
  if (typeof value === "string") {
    const result = substituteString(value, data, where);
    if (typeof result !== "string") {
      throw policyError(
        "VARIABLE_UNRESOLVED",
        `${where}: "${value}" resolved to ${JSON.stringify(result)}, not a string`,
      );
    }
    return result as T;
  }
  if (Array.isArray(value))
    return value.map((v, i) => resolveStrings(v, data, `${where}[${i}]`)) as T;
  if (!isMapping(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = UNRESOLVED_FIELDS.has(k) ? v : resolveStrings(v, data, `${where}.${k}`);
  }
  return out as T;
}

/** `set` with each keys entry mapped by `keysOf`, nested sets included. */
function mapKeyEntries(
  set: AttestorSet,
  keysOf: (entry: KeysAttestor) => KeysAttestor[],
): AttestorSet {
  const entries = set.entries.flatMap((entry): Attestor[] => {
    if (entry.kind === "nested") {
      return [{ ...entry, attestorSet: mapKeyEntries(entry.attestorSet, keysOf) }];
    }
    return entry.kind === "keys" ? keysOf(entry) : [entry];
  });
  return { ...set, entries };
}

// Kyverno treats several PEM keys in one `publicKeys` as separate entries of the set.
function splitKeys(entry: KeysAttestor, text: string, field: string): KeysAttestor[] {
  if (text.trim() === "")
    throw policyError(
      "VARIABLE_UNRESOLVED",
      `${entry.path}.keys.${field}: resolved to an empty key`,
    );
  if (isRemoteKeyReference(text)) {
    throw policyError(
      "UNSUPPORTED_FEATURE",
      `${entry.path}.keys.${field}: ${remoteKeyRefusal(text)}`,
    );
  }
  const keys = text
    .split(PEM_KEY_END)
    .slice(0, -1)
    .map((k) => `${k.trimStart()}${PEM_KEY_END}`);
  return keys.length > 1
    ? keys.map((publicKeys) => ({ ...entry, publicKeys }))
    : [{ ...entry, publicKeys: text }];
}

// Keys named by a Secret are filled in later, per admission (`withSecretKeys`).
const expandKeys = (set: AttestorSet): AttestorSet =>
  mapKeyEntries(set, (entry) =>
    entry.secret === undefined ? splitKeys(entry, entry.publicKeys, "publicKeys") : [entry],
  );

/** Every attestor set of `verification`, its attestations' included, mapped by `map`. */
function mapAttestorSets(
  verification: ImageVerification,
  map: (set: AttestorSet) => AttestorSet,
): ImageVerification {
  return {
    ...verification,
    attestors: verification.attestors.map(map),
    attestations: verification.attestations.map((a) => ({ ...a, attestors: a.attestors.map(map) })),
  };
}

function resolveVerification(v: ImageVerification, data: Variables): ImageVerification {
  return mapAttestorSets(resolveStrings(v, data, v.path), expandKeys);
}

/** The keys entries of `set`, nested sets included. */
function keyEntriesOf(set: AttestorSet): KeysAttestor[] {
  return set.entries.flatMap((entry) =>
    entry.kind === "nested"
      ? keyEntriesOf(entry.attestorSet)
      : entry.kind === "keys"
        ? [entry]
        : [],
  );
}

type SecretReferences = ReadonlyMap<string, SecretReference & { path: string }>;

// Per entry list, which a rule without variables reuses on every admission: the walk is made once.
const secretReferences = new WeakMap<readonly ImageVerification[], SecretReferences>();

/** The Secrets `verifyImages` names, by `namespace/name`, with the first field naming each. */
function secretReferencesOf(verifyImages: readonly ImageVerification[]): SecretReferences {
  const known = secretReferences.get(verifyImages);
  if (known !== undefined) return known;
  const found = new Map<string, SecretReference & { path: string }>();
  for (const v of verifyImages) {
    for (const set of [...v.attestors, ...v.attestations.flatMap((a) => a.attestors)]) {
      for (const { secret, path } of keyEntriesOf(set)) {
        if (secret === undefined) continue;
        const key = `${secret.namespace}/${secret.name}`;
        if (!found.has(key)) found.set(key, { ...secret, path: `${path}.keys.secret` });
      }
    }
  }
  secretReferences.set(verifyImages, found);
  return found;
}

/** The `cosign.pub` key of a Secret holds the keys, as in Kyverno (and cosign's `k8s://`). */
const SECRET_KEY = "cosign.pub";

/**
 * `rule` with the keys of every `keys.secret` attestor read from `secrets`:
 * a missing Secret or key is `CONTEXT_UNRESOLVED` (the rule errs, and its
 * failurePolicy decides), and a namespaced Policy reads only its own
 * namespace's Secrets. Each Secret is read once per call.
 */
export async function withSecretKeys(
  rule: ResolvedRule,
  secrets: SecretSource,
  policyNamespace?: string,
): Promise<ResolvedRule> {
  const references = secretReferencesOf(rule.verifyImages);
  if (references.size === 0) return rule;
  const texts = new Map<string, string>();
  await Promise.all(
    [...references].map(async ([key, { namespace, name, path }]) => {
      if (policyNamespace !== undefined && namespace !== policyNamespace) {
        throw policyError(
          "CONTEXT_UNRESOLVED",
          `${path}: a Policy in namespace ${policyNamespace} cannot read Secret ${namespace}/${name}`,
        );
      }
      const secret = await secrets.get(namespace, name);
      if (secret === undefined) {
        throw policyError(
          "CONTEXT_UNRESOLVED",
          `${path}: Secret ${namespace}/${name} was not found`,
        );
      }
      const text = secretText(secret, SECRET_KEY, path);
      if (!text.includes(PEM_KEY_END)) {
        throw policyError(
          "CONTEXT_UNRESOLVED",
          `${path}: Secret ${namespace}/${name}: "${SECRET_KEY}" holds no PEM public key`,
        );
      }
      texts.set(key, text);
    }),
  );
  const fill = (set: AttestorSet): AttestorSet =>
    mapKeyEntries(set, (entry) => {
      if (entry.secret === undefined) return [entry];
      const text = texts.get(`${entry.secret.namespace}/${entry.secret.name}`) ?? "";
      return splitKeys({ ...entry, secret: undefined }, text, `secret ("${SECRET_KEY}")`);
    });
  return { ...rule, verifyImages: rule.verifyImages.map((v) => mapAttestorSets(v, fill)) };
}

/**
 * Substitutes `{{ }}` variables in a rule's verifyImages entries (attestors,
 * attestations, repository...) from `data` (see `loadRuleData`), as Kyverno
 * does before verifying; attestation conditions and validate.deny keep their
 * variables for evaluation against each statement. Several PEM keys in one
 * `publicKeys` become separate entries.
 */
export function resolveRule(
  rule: VerifyImagesRule,
  data: Variables,
  options: EvaluationOptions,
): ResolvedRule {
  const constant = constantEntries.get(rule);
  if (constant !== undefined) return { ...rule, verifyImages: constant, data };
  const verifyImages = withEvaluation(options, () =>
    rule.verifyImages.map((v) => resolveVerification(v, data)),
  );
  if (!hasVariables(rule.verifyImages)) constantEntries.set(rule, verifyImages);
  return { ...rule, verifyImages, data };
}

/**
 * The resolved entries of rules without a variable outside their conditions:
 * they are the same for every request, so each admission need not rebuild them.
 */
const constantEntries = new WeakMap<VerifyImagesRule, readonly ImageVerification[]>();

function hasVariables(value: unknown): boolean {
  if (typeof value === "string") return value.includes("{{");
  if (Array.isArray(value)) return value.some(hasVariables);
  if (!isMapping(value)) return false;
  return Object.entries(value).some(([k, v]) => !UNRESOLVED_FIELDS.has(k) && hasVariables(v));
}
