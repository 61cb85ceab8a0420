/**
 * Which (policy, rule, verifyImages entry, image) units a request needs:
 * rules matched against the request, their context loaded, preconditions
 * and variables evaluated, images extracted and filtered by the entry's
 * image references. Decisions made here without the registry (no match,
 * skipped image, unknown match, unreadable data) become results directly.
 */
import {
  type AdmissionRequest,
  extractImages,
  imagesVariable,
  MAX_IMAGES,
  matchInput,
  subjectObject,
} from "../admission/index.ts";
import { reasonOf } from "../errors.ts";
import {
  type ConfigMapSource,
  ExpressionBudget,
  type ExpressionBudgetLimits,
  evaluatePreconditions,
  imageVerificationApplies,
  loadRuleData,
  type MatchInput,
  matchRule,
  type ResolvedRule,
  resolveRule,
  type SecretSource,
  type VerifyImagesPolicy,
  type VerifyImagesRule,
  withSecretKeys,
} from "../policy/index.ts";
import type { TrustMaterial } from "./checks/index.ts";
import { engineError } from "./errors.ts";
import { type CelPlan, celFailureStatus, planCelPolicy } from "./ivpol.ts";
import { planUnit, type Unit } from "./plan.ts";
import { codeOf } from "./problems.ts";
import { type EntryCredentials, pullSecretCredentials } from "./pull-secrets.ts";
import type { ImageResult } from "./types.ts";

export interface PlanInput {
  request: AdmissionRequest;
  policies: readonly VerifyImagesPolicy[];
  trust: TrustMaterial;
  configMaps: ConfigMapSource;
  secrets: SecretSource;
  /** imgverify's namespace, where bare pull-secret names are looked up. */
  ownNamespace: string;
  now: number;
  mutate: boolean;
  /** What this admission's expressions may spend, over all policies (defaults when absent). */
  expressionLimits?: Partial<ExpressionBudgetLimits>;
  matchFacts: Pick<MatchInput, "namespaceLabels" | "roles" | "clusterRoles">;
}

export interface Plan {
  units: Unit[];
  /** Results known without asking the registry. */
  decided: ImageResult[];
  /** Policies with at least one rule that applies: their timeouts bound the request. */
  matched: Set<VerifyImagesPolicy>;
  /** The admission's expression budget, for the conditions evaluated after verification too. */
  expressions: ExpressionBudget;
  /** Matched ImageValidatingPolicies with images to verify, folded by their CEL validations. */
  cel: CelPlan[];
}

export async function planRequest(input: PlanInput): Promise<Plan> {
  const plan: Plan = {
    units: [],
    decided: [],
    matched: new Set(),
    expressions: new ExpressionBudget(input.expressionLimits),
    cel: [],
  };
  // As Kyverno's verifyImages webhooks: only what is created or changed is verified.
  if (input.request.operation !== "CREATE" && input.request.operation !== "UPDATE") return plan;
  const match = matchInput(input.request, input.matchFacts);
  await Promise.all(input.policies.map((policy) => planPolicy(input, match, policy, plan)));
  return plan;
}

async function planPolicy(
  input: PlanInput,
  match: MatchInput,
  policy: VerifyImagesPolicy,
  plan: Plan,
): Promise<void> {
  if (policy.cel !== undefined) return planCel(input, policy, plan);
  if (input.request.payload === true) return;
  const scope = policy.kind === "Policy" ? policy.namespace : undefined;
  for (const rule of policy.rules) {
    const matched = matchRule(rule, match, scope);
    if (matched.outcome === "no-match") continue;
    plan.matched.add(policy);
    const decide = (status: ImageResult["status"], message: string, error?: unknown): void => {
      plan.decided.push(ruleResult(policy, rule, status, message, error));
    };
    if (matched.outcome === "unknown") {
      const error = engineError(
        "MATCH_UNKNOWN",
        `cannot tell whether the rule applies: the request does not carry ${matched.missing.join(", ")}`,
      );
      decide("error", error.message, error);
      continue;
    }
    const applied = await planRule(input, policy, rule, plan).catch((error: unknown) => {
      // A spent expression budget is an attack or a runaway policy, never a reason to admit.
      decide(
        codeOf(error) === "EXPRESSION_BUDGET_EXCEEDED" ? "fail" : "error",
        `${rule.path}: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
      return true;
    });
    // applyRules One: the first rule that applies is the only one run.
    if (applied && policy.applyRules === "One") return;
  }
}

async function planCel(input: PlanInput, policy: VerifyImagesPolicy, plan: Plan): Promise<void> {
  const [entry] = policy.cel?.entries ?? [];
  // A namespaced policy's pull secrets come from its own namespace only.
  const scope = { own: input.ownNamespace, policy: policy.namespace };
  let credentials: EntryCredentials | undefined;
  try {
    credentials = entry && (await pullSecretCredentials(entry, input.secrets, scope));
  } catch (error) {
    plan.matched.add(policy);
    plan.decided.push(celResult(policy, "error", reasonOf(error), error));
    return;
  }
  const { matchFacts: facts, request, trust, mutate, configMaps } = input;
  const options = { now: input.now, budget: plan.expressions };
  const matched = await planCelPolicy(policy, request, {
    facts,
    trust,
    credentials,
    mutate,
    configMaps,
    options,
  });
  if (matched.outcome === "no-match") return;
  plan.matched.add(policy);
  if (matched.outcome === "error") {
    const status = celFailureStatus(matched.error);
    plan.decided.push(celResult(policy, status, reasonOf(matched.error), matched.error));
  } else if (matched.plan === undefined) {
    plan.decided.push(celResult(policy, "skip", "no image matches matchImageReferences"));
  } else {
    plan.cel.push(matched.plan);
  }
}

function celResult(
  policy: VerifyImagesPolicy,
  status: ImageResult["status"],
  message: string,
  error?: unknown,
): ImageResult {
  const rule = { name: policy.name, path: "spec", failureAction: policy.validationFailureAction };
  return ruleResult(policy, rule, status, message, error);
}

/** Plans one matched rule; false when its preconditions leave it out. */
async function planRule(
  input: PlanInput,
  policy: VerifyImagesPolicy,
  rule: VerifyImagesRule,
  plan: Plan,
): Promise<boolean> {
  const object = subjectObject(input.request);
  const extraction = extractImages(object, {
    kind: input.request.kind.kind,
    imageExtractors: rule.imageExtractors,
  });
  const base = { request: input.request, images: imagesVariable(extraction.images) };
  const options = { now: input.now, budget: plan.expressions };
  const policyNamespace = policy.kind === "Policy" ? policy.namespace : undefined;
  const data = await loadRuleData(rule.context, base, input.configMaps, {
    ...options,
    ...(policyNamespace !== undefined && { policyNamespace }),
  });
  const preconditions = evaluatePreconditions(rule.preconditions, data, options);
  if (!preconditions.passed) {
    plan.decided.push(ruleResult(policy, rule, "skip", "preconditions not met"));
    return false;
  }
  // What cannot be read cannot be verified: these fail, so no failurePolicy admits them.
  if (extraction.found > MAX_IMAGES) {
    const error = engineError(
      "TOO_MANY_IMAGES",
      `the ${input.request.kind.kind} names ${extraction.found} images; imgverify verifies at most ${MAX_IMAGES} per object`,
    );
    plan.decided.push(ruleResult(policy, rule, "fail", error.message, error));
    return true;
  }
  for (const problem of extraction.problems) {
    const error = engineError("IMAGE_INVALID", `image at ${problem.path}: ${problem.message}`);
    plan.decided.push(ruleResult(policy, rule, "fail", error.message, error));
  }
  const resolved: ResolvedRule = await withSecretKeys(
    resolveRule(rule, data, options),
    input.secrets,
    policyNamespace,
  );
  const scope = { own: input.ownNamespace, policy: policyNamespace };
  const credentials = await Promise.all(
    resolved.verifyImages.map((v) => pullSecretCredentials(v, input.secrets, scope)),
  );
  for (const [index, verification] of resolved.verifyImages.entries()) {
    for (const image of extraction.images) {
      const applies = imageVerificationApplies(verification, image.info);
      if (applies === "no-match") continue;
      if (applies === "skip") {
        plan.decided.push({
          ...ruleResult(policy, rule, "skip", `skipping image reference ${image.info.reference}`),
          image: image.image,
          path: verification.path,
          warn: true,
        });
        continue;
      }
      plan.units.push(
        planUnit({
          policy,
          rule: resolved,
          verification,
          image,
          trust: input.trust,
          credentials: credentials[index],
          mutate: input.mutate,
        }),
      );
    }
  }
  return true;
}

function ruleResult(
  policy: VerifyImagesPolicy,
  rule: Pick<VerifyImagesRule, "name" | "path" | "failureAction">,
  status: ImageResult["status"],
  message: string,
  error?: unknown,
): ImageResult {
  return {
    policy: policy.name,
    rule: rule.name,
    image: "",
    path: rule.path,
    status,
    message,
    failureAction: rule.failureAction,
    failurePolicy: policy.failurePolicy,
    ...(error !== undefined && { code: codeOf(error) }),
  };
}
