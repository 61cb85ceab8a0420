import type {
  Attestation,
  AttestorSet,
  FailureAction,
  ImageVerification,
  VerificationType,
} from "../types.ts";
import { parseAttestorSet } from "./parse-attestor.ts";
import { parseConditionBlocks, parsePreconditions } from "./parse-conditions.ts";
import { FieldReader, type IssueSink } from "./reader.ts";

const KEYS = [
  "failureAction",
  "type",
  "image",
  "imageReferences",
  "skipImageReferences",
  "key",
  "roots",
  "subject",
  "issuer",
  "additionalExtensions",
  "attestors",
  "attestations",
  "annotations",
  "repository",
  "cosignOCI11",
  "mutateDigest",
  "verifyDigest",
  "validate",
  "required",
  "imageRegistryCredentials",
  "useCache",
] as const;
const VARIABLE = /\{\{/;

function attestorSets(r: FieldReader, key: string, type: VerificationType): AttestorSet[] {
  return r
    .list(key)
    .flatMap(({ value, path }) => parseAttestorSet(value, path, r.sink, type) ?? []);
}

// The deprecated `key` / `issuer` fields become one attestor set, as Kyverno's Convert() does.
function legacyAttestors(r: FieldReader, type: VerificationType): AttestorSet[] {
  const annotations = r.raw("annotations");
  const key = r.string("key");
  const issuer = r.string("issuer");
  if (key === undefined && issuer === undefined) {
    if (annotations !== undefined) {
      r.issue(
        "FIELD_INVALID",
        "annotations",
        "the deprecated annotations need key or issuer; set attestors[].entries[].annotations",
      );
    }
    return [];
  }
  if (r.has("attestations")) {
    r.issue(
      "FIELD_INVALID",
      key !== undefined ? "key" : "issuer",
      "the deprecated key/issuer fields cannot be combined with attestations; use attestations[].attestors",
    );
    return [];
  }
  const entry =
    key !== undefined
      ? { keys: { publicKeys: key }, annotations }
      : { keyless: { issuer, subject: r.raw("subject"), roots: r.raw("roots") }, annotations };
  const set = parseAttestorSet(
    { entries: [entry] },
    r.at(key !== undefined ? "key" : "issuer"),
    r.sink,
    type,
  );
  return set === undefined ? [] : [set];
}

function parseAttestation(
  value: unknown,
  path: string,
  sink: IssueSink,
  type: VerificationType,
): Attestation | undefined {
  const r = FieldReader.of(value, path, sink, [
    "name",
    "predicateType",
    "type",
    "attestors",
    "conditions",
  ]);
  if (r === undefined) return undefined;
  const predicateType = r.string("type") ?? r.string("predicateType");
  if (predicateType === undefined)
    r.issue("FIELD_REQUIRED", "type", "type (or predicateType) is required");
  const attestors = attestorSets(r, "attestors", type);
  const conditions = parseConditionBlocks(r.raw("conditions"), r.at("conditions"), sink);
  if (predicateType === undefined) return undefined;
  return { path, type: predicateType, name: r.string("name"), attestors, conditions };
}

/** Kyverno's cloud credential providers and what each would need (none can be reached offline). */
const CLOUD_PROVIDERS: ReadonlyMap<string, string> = new Map([
  ["amazon", "the pod's AWS identity (IRSA or the node's role) and ECR's GetAuthorizationToken"],
  ["azure", "a managed identity's Microsoft Entra token exchanged for an ACR refresh token"],
  ["google", "the GKE metadata server's Workload Identity token for Artifact Registry"],
  ["github", "a GitHub token for ghcr.io"],
]);

/** More pull secrets than any entry needs: each is a Secret read per admission. */
export const MAX_PULL_SECRETS = 16;

/** A pull secret as Kyverno names it: `name` (imgverify's namespace) or `namespace/name`. */
const PULL_SECRET = /^\/?(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * `imageRegistryCredentials` (an ImageValidatingPolicy's `credentials`): its
 * pull secrets, as written; providers and insecure registries checked.
 */
export function registryCredentials(r: FieldReader, key = "imageRegistryCredentials"): string[] {
  const c = r.object(key, ["allowInsecureRegistry", "providers", "secrets"]);
  if (c === undefined) return [];
  for (const { value, path } of c.list("providers")) {
    if (value === "default") continue; // the Docker config.json imgverify reads is the default keychain
    const needs = typeof value === "string" ? CLOUD_PROVIDERS.get(value) : undefined;
    if (needs === undefined) {
      c.sink(
        "FIELD_INVALID",
        path,
        `must be one of default, ${[...CLOUD_PROVIDERS.keys()].join(", ")}`,
      );
    } else {
      c.sink(
        "UNSUPPORTED_FEATURE",
        path,
        `the ${value} credential provider needs ${needs}, which imgverify does not call; put the registry's credentials in a pull secret (secrets) or imgverify's Docker config.json, or drop the provider (default is its Docker config)`,
      );
    }
  }
  c.refuse(
    "allowInsecureRegistry",
    "plain-HTTP registries are named in imgverify's configuration (insecureRegistries), not in policies",
  );
  const secrets = c.stringList("secrets");
  if (secrets.length > MAX_PULL_SECRETS) {
    c.issue(
      "FIELD_INVALID",
      "secrets",
      `names ${secrets.length} Secrets; at most ${MAX_PULL_SECRETS}`,
    );
  }
  for (const { value, path } of c.list("secrets")) {
    if (typeof value === "string" && !VARIABLE.test(value) && !PULL_SECRET.test(value)) {
      c.sink("FIELD_INVALID", path, "must be a Secret name, or namespace/name");
    }
  }
  return secrets;
}

// Opens the way every FieldReader parser does (parseRule among them): a known
// look-alike to `duplicates`, kept because each parser owns its own key list.
/** One `verifyImages` entry, defaulted and checked as Kyverno does. */
export function parseImageVerification(
  value: unknown,
  path: string,
  sink: IssueSink,
  policyAction: FailureAction,
): ImageVerification | undefined {
  const r = FieldReader.of(value, path, sink, KEYS);
  if (r === undefined) return undefined;
  const type = r.oneOf("type", ["Cosign", "SigstoreBundle", "Notary"] as const) ?? "Cosign";
  const failureAction = r.oneOf("failureAction", ["Enforce", "Audit"] as const) ?? policyAction;
  const image = r.string("image");
  const imageReferences = [
    ...r.stringList("imageReferences"),
    ...(image === undefined ? [] : [image]),
  ];
  if (imageReferences.length === 0)
    r.issue("FIELD_REQUIRED", "imageReferences", "at least one image reference is required");
  for (const ref of r.list("imageReferences")) {
    if (typeof ref.value === "string" && VARIABLE.test(ref.value)) {
      sink("FIELD_INVALID", ref.path, "variables are not allowed in image references");
    }
  }
  r.refuse(
    "additionalExtensions",
    "the deprecated top-level additionalExtensions has no effect in Kyverno; set attestors[].entries[].keyless.additionalExtensions",
  );
  const pullSecrets = registryCredentials(r);
  // Kyverno refuses digest mutation for Audit; its default (true) therefore only holds under Enforce.
  const mutateDigest = r.boolean("mutateDigest", failureAction === "Enforce");
  if (mutateDigest && failureAction === "Audit") {
    r.issue("FIELD_INVALID", "mutateDigest", "must be false when the failure action is Audit");
  }
  const attestors = [...attestorSets(r, "attestors", type), ...legacyAttestors(r, type)];
  const attestations = r
    .list("attestations")
    .flatMap(({ value: v, path: p }) => parseAttestation(v, p, sink, type) ?? []);
  const validateBlock = r.object("validate", ["message", "deny"]);
  const deny = validateBlock?.object("deny", ["conditions"]);
  const denyConditions =
    deny && parsePreconditions(deny.raw("conditions"), deny.at("conditions"), sink);
  return {
    path,
    type,
    imageReferences,
    skipImageReferences: r.stringList("skipImageReferences"),
    attestors,
    attestations,
    repository: r.string("repository"),
    mutateDigest,
    verifyDigest: r.boolean("verifyDigest", true),
    required: r.boolean("required", true),
    useCache: r.boolean("useCache", true),
    cosignOCI11: r.boolean("cosignOCI11", false),
    pullSecrets,
    failureAction,
    validate:
      denyConditions === undefined
        ? undefined
        : { message: validateBlock?.string("message"), deny: denyConditions },
  };
}
