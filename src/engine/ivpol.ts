/**
 * ImageValidatingPolicy in the engine. Planning: the policy's match
 * constraints and CEL match conditions, then one unit per matched image and
 * attestor type carrying every check its attestors and attestations need,
 * run with every other unit over the request's store. Folding: the CEL
 * validations, whose image functions read those checks' outcomes.
 */
import type { AdmissionRequest, ExtractedImage } from "../admission/index.ts";
import { subjectObject } from "../admission/index.ts";
import { ImgverifyError, reasonOf } from "../errors.ts";
import type {
  CelImagePolicy,
  CelValidation,
  ConfigMapSource,
  EvaluationOptions,
  MatchInput,
  ResourceReads,
  ResourceRule,
  VerifyImagesPolicy,
} from "../policy/index.ts";
import {
  matchesImageReferences,
  selectorMatches,
  toCel,
  withImageEvidence,
  withResourceReads,
} from "../policy/index.ts";
import type {
  CheckContext,
  TrustMaterial,
  VerifiedAttestation,
  VerifiedSignature,
} from "./checks/index.ts";
import { engineError } from "./errors.ts";
import { fetchAllImageData, type ImageDataByImage } from "./image-data.ts";
import type { CelImages } from "./ivpol-images.ts";
import { type PreparedCel, prepareCel } from "./ivpol-prepare.ts";
import { type EntryPlan, planUnit, type SetPlan, type Unit } from "./plan.ts";
import { codeOf } from "./problems.ts";
import type { EntryCredentials } from "./pull-secrets.ts";
import type { ImageResult } from "./types.ts";

/** The units of one matched policy's images, by image as written and carrier entry. */
export interface CelPlan {
  readonly policy: VerifyImagesPolicy;
  /** The policy's CEL, or the autogen variant that matched. */
  readonly cel: CelImagePolicy;
  readonly request: AdmissionRequest;
  /** The CEL's `images` variable. */
  readonly groups: CelImages["groups"];
  /** The images planned: those matchImageReferences matches. */
  readonly images: readonly ExtractedImage[];
  /** `units[i][e]`: image i, carrier entry e. */
  readonly units: readonly (readonly Unit[])[];
  /** The ConfigMaps the CEL read while planning, for the validations' `resource.get`. */
  readonly reads: ResourceReads;
  /** For `getImageData`: filled by `prefetchImageData` after the checks, when the policy calls it. */
  imageData?: ImageDataByImage;
}

export type CelMatch =
  | { readonly outcome: "no-match" }
  | { readonly outcome: "error"; readonly error: unknown }
  | { readonly outcome: "match"; readonly plan: CelPlan | undefined };

function ruleMatches(rule: ResourceRule, request: AdmissionRequest): boolean {
  const has = (list: readonly string[], value: string) =>
    list.includes("*") || list.includes(value);
  const resource =
    request.subResource === ""
      ? request.resource.resource
      : `${request.resource.resource}/${request.subResource}`;
  return (
    has(rule.operations, request.operation) &&
    has(rule.apiGroups, request.resource.group) &&
    has(rule.apiVersions, request.resource.version) &&
    (has(rule.resources, resource) || rule.resources.includes(`${request.resource.resource}/*`)) &&
    (rule.resourceNames.length === 0 || rule.resourceNames.includes(request.name))
  );
}

function labelsOf(object: unknown): Record<string, string> {
  const metadata = (object as { metadata?: { labels?: unknown } } | undefined)?.metadata;
  const labels = metadata?.labels;
  return typeof labels === "object" && labels !== null ? (labels as Record<string, string>) : {};
}

/** The CEL `request` variable: the AdmissionRequest's fields as the API server sends them. */
function requestVariable(request: AdmissionRequest): Record<string, unknown> {
  return {
    uid: request.uid,
    kind: request.kind,
    resource: request.resource,
    subResource: request.subResource,
    name: request.name,
    namespace: request.namespace,
    operation: request.operation,
    userInfo: request.userInfo,
    dryRun: request.dryRun,
  };
}

/** Converted to CEL values once: every expression over them takes them as they are. */
function baseBindings(request: AdmissionRequest): Record<string, unknown> {
  return {
    object: toCel(request.object ?? null),
    oldObject: toCel(request.oldObject ?? null),
    request: toCel(requestVariable(request)),
  };
}

export interface CelPlanInput {
  readonly facts: Pick<MatchInput, "namespaceLabels">;
  readonly trust: TrustMaterial;
  readonly credentials: EntryCredentials | undefined;
  readonly mutate: boolean;
  readonly configMaps: ConfigMapSource;
  readonly options: EvaluationOptions;
}

/**
 * The policy's CEL that applies to a Kubernetes request: the policy as
 * written or its autogen variant for the controller requested; `no-match`
 * or `error` when its constraints do not, or cannot tell.
 */
function kubernetesMatch(
  policy: VerifyImagesPolicy,
  cel: CelImagePolicy,
  request: AdmissionRequest,
  facts: CelPlanInput["facts"],
): CelImagePolicy | CelMatch {
  // As Kyverno: a namespaced policy sees its namespace's requests, no cluster-scoped one.
  if (policy.namespace !== undefined && request.namespace !== policy.namespace) {
    return { outcome: "no-match" };
  }
  const matched = [cel, ...cel.autogen].find((c) =>
    c.resourceRules.some((r) => ruleMatches(r, request)),
  );
  if (matched === undefined) return { outcome: "no-match" };
  if (matched.excludeResourceRules.some((r) => ruleMatches(r, request))) {
    return { outcome: "no-match" };
  }
  if (
    matched.objectSelector &&
    !selectorMatches(matched.objectSelector, labelsOf(subjectObject(request)))
  ) {
    return { outcome: "no-match" };
  }
  if (matched.namespaceSelector) {
    const labels = facts.namespaceLabels;
    if (labels === undefined) {
      const error = engineError(
        "MATCH_UNKNOWN",
        "cannot tell whether the policy applies: the request does not carry the namespace's labels",
      );
      return { outcome: "error", error };
    }
    if (!selectorMatches(matched.namespaceSelector, labels)) return { outcome: "no-match" };
  }
  return matched;
}

/** Whether `policy` applies to `request`, and the units of the images it verifies. */
export async function planCelPolicy(
  policy: VerifyImagesPolicy,
  request: AdmissionRequest,
  input: CelPlanInput,
): Promise<CelMatch> {
  if (policy.cel === undefined || !policy.admission) return { outcome: "no-match" };
  // A JSON-mode policy checks JSON payloads only, and nothing else checks them.
  if ((policy.cel.mode === "JSON") !== (request.payload === true)) return { outcome: "no-match" };
  const matched =
    policy.cel.mode === "JSON"
      ? policy.cel
      : kubernetesMatch(policy, policy.cel, request, input.facts);
  if ("outcome" in matched) return matched;
  const cel = matched;
  const object = subjectObject(request);
  let prepared: PreparedCel | undefined;
  try {
    const bindings = baseBindings(request);
    const { configMaps, options } = input;
    prepared = await prepareCel(
      cel,
      policy.namespace,
      request,
      object,
      bindings,
      configMaps,
      options,
    );
  } catch (error) {
    return { outcome: "error", error };
  }
  if (prepared === undefined) return { outcome: "no-match" };
  const images = prepared.images.images.filter(
    (image) =>
      matchesImageReferences(cel.imageGlobs, image.info) ||
      cel.imageExpressions.some((p) => p.evaluate({ imageRef: image.image }) === true),
  );
  if (images.length === 0) return { outcome: "match", plan: undefined };
  // The carrier rule has no variables: its data is empty.
  const rule = { ...cel.rule, data: {} };
  const { trust, credentials, mutate } = input;
  const units = images.map((image) =>
    prepared.entries.map((verification) =>
      planUnit({ policy, rule, verification, image, trust, credentials, mutate }),
    ),
  );
  const { groups } = prepared.images;
  return {
    outcome: "match",
    plan: { policy, cel, request, groups, images, units, reads: prepared.reads },
  };
}

/** The verified evidence of a set (an attestor: any of its entries), or why there is none. */
function verifiedOf(set: SetPlan): readonly VerifiedSignature[] {
  const found: VerifiedSignature[] = [];
  const walk = (entries: readonly EntryPlan[]) => {
    for (const entry of entries) {
      if (entry.kind === "leaf") {
        const { outcome } = entry.leaf;
        if (outcome.state === "pending") {
          throw engineError("DEADLINE_EXCEEDED", `${entry.path}: the check did not finish in time`);
        }
        if (outcome.state === "done") found.push(...outcome.value);
      } else if (entry.kind === "nested") walk(entry.set.entries);
      else throw entry.error;
    }
  };
  walk(set.entries);
  return found;
}

/** The policy's answer for each of its images: every validation over the checks' outcomes. */
export function foldCelPlan(plan: CelPlan): ImageResult[] {
  const { policy, request, cel } = plan;
  const base = {
    policy: policy.name,
    rule: policy.name,
    path: "spec.validations",
    failureAction: policy.validationFailureAction,
    failurePolicy: policy.failurePolicy,
    ...(cel.validationActions.includes("Warn") && { warn: true }),
  } as const;
  const indexOf = new Map(plan.images.map((image, i) => [image.image, i]));
  const verifiedImages = new Set<string>();
  const attestor = (name: string) => {
    const found = cel.attestors.find((a) => a.name === name);
    if (found === undefined) throw new Error(`attestor "${name}" is not in the policy`);
    return found;
  };
  const unitsOf = (image: string) => {
    const i = indexOf.get(image);
    return i === undefined ? undefined : plan.units[i];
  };
  const evidence = {
    signedBy(image: string, names: readonly string[]) {
      const units = unitsOf(image);
      if (units === undefined) return 0;
      const count = names.filter((name) => {
        const { entry, set } = attestor(name);
        const s = units[entry]?.signatureSets[set];
        return s !== undefined && verifiedOf(s).length > 0;
      }).length;
      if (count > 0) verifiedImages.add(image);
      return count;
    },
    attestedBy(image: string, attestation: string, names: readonly string[]) {
      const count = names.filter(
        (name) => attestationEvidence(image, attestation, name).length > 0,
      ).length;
      if (count > 0) verifiedImages.add(image);
      return count;
    },
    payload(image: string, attestation: string) {
      const kind = attestationOf(attestation).kind;
      for (const a of cel.attestors) {
        if (kind !== (a.type === "Cosign" ? "intoto" : "referrer")) continue;
        const found = attestationEvidence(image, attestation, a.name)[0] as
          | VerifiedAttestation
          | undefined;
        // Kyverno's payloads: an in-toto statement whole, a referrer's one layer.
        if (found !== undefined)
          return kind === "intoto" ? found.statement : found.statement.predicate;
      }
      throw new Error(`no verified attestation "${attestation}" of ${image}`);
    },
    imageData(image: string) {
      const data = plan.imageData?.get(image);
      if (data === undefined) throw new Error(`${image} is not an image the policy matched`);
      if (data instanceof Error) throw data;
      return data;
    },
  };
  function attestationOf(name: string) {
    const found = cel?.attestations.get(name);
    if (found === undefined) throw new Error(`attestation "${name}" is not in the policy`);
    return found;
  }
  function attestationEvidence(
    image: string,
    attestation: string,
    name: string,
  ): readonly VerifiedSignature[] {
    const { kind } = attestationOf(attestation);
    const { entry, set, type } = attestor(name);
    // As Kyverno: a Notary attestor cannot verify in-toto attestations (an error), a cosign one no referrer (none verified).
    if (type === "Notary" && kind === "intoto")
      throw new Error(`the Notary attestor "${name}" verifies referrer attestations only`);
    const units = unitsOf(image);
    if (units === undefined || (type === "Cosign" && kind === "referrer")) return [];
    const unit = units[entry];
    const plan_ = unit?.attestations.find((a) => a.attestation.name === attestation);
    const s = plan_?.sets[set];
    return s === undefined ? [] : verifiedOf(s);
  }

  const decide = (status: ImageResult["status"], message: string, error?: unknown): ImageResult[] =>
    plan.images.map((image, i) => {
      const target = plan.units[i]?.[0]?.target;
      const digest = target?.state === "done" ? target.value.digest : undefined;
      return {
        ...base,
        image: image.image,
        status,
        message,
        ...(status === "pass" && digest !== undefined && { digest }),
        ...(error !== undefined && { code: codeOf(error) }),
      };
    });
  const refused = plan.units.flat().find((u) => u.refused !== undefined);
  if (refused?.refused !== undefined) return decide("fail", refused.refused);
  for (const unit of plan.units.flat()) {
    if (unit.target.state === "failed") {
      return decide(
        "error",
        `${unit.image.image}: ${reasonOf(unit.target.error)}`,
        unit.target.error,
      );
    }
  }
  const bindings: Record<string, unknown> = {
    ...baseBindings(request),
    images: plan.groups,
    attestors: Object.fromEntries(cel.attestors.map((a) => [a.name, { name: a.name }])),
    attestations: Object.fromEntries([...cel.attestations.keys()].map((n) => [n, n])),
  };
  try {
    const evaluate = () =>
      withImageEvidence(evidence, () => {
        const variables: Record<string, unknown> = {};
        for (const v of cel.variables)
          variables[v.name] = v.program.evaluate({ ...bindings, variables });
        for (const [index, validation] of cel.validations.entries()) {
          const scope = { ...bindings, variables };
          const value = validation.program.evaluate(scope);
          if (typeof value !== "boolean") {
            throw new ImgverifyError("CEL_FAILED", `${validation.path}.expression: gave no bool`);
          }
          if (!value) return decide("fail", failureMessage(validation, index, scope));
        }
        const unverified = plan.images.find((image) => !verifiedImages.has(image.image));
        if (cel.required && unverified !== undefined) {
          return decide("fail", `image ${unverified.image} was not verified by any validation`);
        }
        return decide("pass", "");
      });
    return withResourceReads(plan.reads, evaluate);
  } catch (error) {
    return decide(celFailureStatus(error), reasonOf(error), error);
  }
}

/** Kyverno's message for a failed validation: its messageExpression's, its message, or its index. */
function failureMessage(
  validation: CelValidation,
  index: number,
  scope: Readonly<Record<string, unknown>>,
): string {
  let message = validation.message ?? "";
  if (validation.messageProgram !== undefined) {
    try {
      const value = validation.messageProgram.evaluate(scope);
      message =
        typeof value === "string"
          ? value
          : `failed to convert message expression to string: ${JSON.stringify(value)}`;
    } catch (error) {
      message = `failed to evaluate message expression: ${reasonOf(error)}`;
    }
  }
  return message === "" ? `CEL expression validation failed at index ${index}` : message;
}

/**
 * Errors that fail whatever the failure policy. An evaluation that ran out of
 * cost: the object's size drives the cost, so an error there would let a pod
 * spec choose to be admitted under failurePolicy Ignore. Images that cannot
 * be read or are too many: what cannot be verified is not admitted.
 */
const FAILING_CODES: ReadonlySet<string> = new Set([
  "CEL_COST_EXCEEDED",
  "EXPRESSION_BUDGET_EXCEEDED",
  "IMAGE_INVALID",
  "TOO_MANY_IMAGES",
]);

/** How a policy's error counts: failing as above, else by the failure policy. */
export function celFailureStatus(error: unknown): "fail" | "error" {
  const code = codeOf(error);
  return FAILING_CODES.has(code) ? "fail" : "error";
}

/** Fetches what `getImageData` reads, when the policy calls it: after the checks resolved the digests. */
export async function prefetchImageData(plan: CelPlan, ctx: CheckContext): Promise<void> {
  if (!plan.cel.readsImageData) return;
  const digests = plan.units.map((units) => {
    const target = units[0]?.target;
    return target?.state === "done" ? target.value.digest : undefined;
  });
  plan.imageData = await fetchAllImageData(ctx, plan.images, digests);
}
