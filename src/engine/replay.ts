/**
 * An admission answered again from memory. When the verdicts of the policies
 * that took part depend on nothing but the request and verified evidence
 * (no context, preconditions, variables, conditions, `validate.deny` or
 * Secrets: nothing read from a cluster, nothing that reads the clock) and
 * the cache alone gave that evidence, the same request (its uid aside)
 * under the same policies, trust material, match facts and options gets
 * the same answer while the cache entries read are still the ones read.
 * Such an answer skips planning, checking and folding (see cache/answers.ts).
 */
import type { AdmissionRequest } from "../admission/index.ts";
import type { Clock } from "../deps.ts";
import type { AttestorSet, VerifyImagesPolicy, VerifyImagesRule } from "../policy/index.ts";
import {
  AnswerMemo,
  MAX_ANSWER_CHARS,
  type RecordingStore,
  type RememberedVerdict,
} from "./cache/answers.ts";
import { trustId, type VerificationCache } from "./cache/cache.ts";
import { leavesOf } from "./plan.ts";
import type { Plan } from "./rules.ts";
import type { RunStats } from "./runner.ts";
import type { AdmissionEvaluation, EngineContext, EngineOptions } from "./types.ts";

interface PolicySet {
  readonly id: number;
  /** ImageValidatingPolicies decide by CEL, even whether they apply: never replayed. */
  readonly cel: boolean;
}

const policySets = new WeakMap<readonly VerifyImagesPolicy[], PolicySet>();
let nextPolicySet = 1;

function policySet(policies: readonly VerifyImagesPolicy[]): PolicySet {
  let set = policySets.get(policies);
  if (set === undefined) {
    set = { id: nextPolicySet++, cel: policies.some((p) => p.cel !== undefined) };
    policySets.set(policies, set);
  }
  return set;
}

const memos = new WeakMap<VerificationCache, AnswerMemo>();

/** The answers remembered beside `cache`, folded from its entries. */
export function answersOf(cache: VerificationCache, clock: Pick<Clock, "now">): AnswerMemo {
  let memo = memos.get(cache);
  if (memo === undefined) {
    memo = new AnswerMemo({ clock, ttlMs: cache.ttlMs });
    memos.set(cache, memo);
  }
  return memo;
}

/**
 * The key an answer to `request` is remembered under, or undefined when it
 * cannot be replayed at all: everything but the uid that reaches a verdict.
 */
export function replayKey(
  request: AdmissionRequest,
  context: EngineContext,
  options: EngineOptions,
  mutate: boolean,
): string | undefined {
  if (options.reviewLength !== undefined && options.reviewLength > MAX_ANSWER_CHARS)
    return undefined;
  const set = policySet(context.policies);
  if (set.cel) return undefined;
  const settings = [options.defaultTimeoutSeconds, options.marginMs, mutate];
  const facts = JSON.stringify(options.matchFacts ?? {});
  const key = `${set.id}|${trustId(context.trust)}|${settings.join("|")}|${facts}|${JSON.stringify({ ...request, uid: "" })}`;
  return key.length > MAX_ANSWER_CHARS ? undefined : key;
}

/** The remembered answer under `key`, if every cache entry it was folded from still holds. */
export function replayAnswer(
  cache: VerificationCache,
  clock: Pick<Clock, "now">,
  key: string,
  start: number,
): AdmissionEvaluation | undefined {
  const answers = answersOf(cache, clock);
  const answer = answers.get(key);
  if (answer === undefined) return undefined;
  if (!cache.stillHolds(answer.reads)) {
    answers.forget(key);
    return undefined;
  }
  const { verdict, timing } = answer;
  return {
    ...verdict,
    warnings: [...verdict.warnings],
    // Frozen throughout and shared by every replay, so its encoding is made once (response.ts).
    patch: verdict.patch,
    results: [...verdict.results],
    timing: {
      mode: "parallel",
      totalMs: clock.now() - start,
      budgetMs: timing.budgetMs,
      timedOut: false,
      requests: 0,
      sharedRequests: 0,
      resolutions: timing.resolutions,
      checks: 0,
      sharedChecks: timing.sharedChecks,
      cachedChecks: timing.cachedChecks,
      foreseen: 0,
    },
  };
}

export interface ColdRun {
  readonly plan: Plan;
  readonly store: RecordingStore;
  readonly stats: RunStats;
  /** Registry exchanges the evaluation made. */
  readonly requests: number;
  readonly evaluation: AdmissionEvaluation;
}

/**
 * Remembers `run`'s answer under `key` when it can be replayed: every policy
 * that took part is one whose verdicts follow from the request and the
 * evidence, the cache answered every question without a miss, nothing was
 * fetched or checked, nothing timed out and nothing erred (an error may be
 * transient; it is never remembered).
 */
export function rememberAnswer(
  cache: VerificationCache,
  clock: Pick<Clock, "now">,
  key: string,
  run: ColdRun,
): void {
  const { plan, store, stats, evaluation } = run;
  if (!store.complete || run.requests > 0 || stats.checks > 0 || evaluation.timing.timedOut) return;
  if (evaluation.results.some((r) => r.status === "error")) return;
  for (const policy of plan.matched) if (!followsRequest(policy)) return;
  for (const unit of plan.units) {
    if (unit.refused !== undefined) continue;
    if (unit.target.state !== "done") return;
    if (leavesOf(unit).some((leaf) => leaf.outcome.state !== "done")) return;
  }
  const { allowed, message, warnings, patch, results } = evaluation;
  const verdict: RememberedVerdict = deepFreeze(
    structuredClone({
      allowed,
      ...(message !== undefined && { message }),
      warnings,
      patch,
      results,
    }),
  );
  const { budgetMs, resolutions, sharedChecks, cachedChecks } = evaluation.timing;
  answersOf(cache, clock).remember(key, {
    verdict,
    timing: { budgetMs, resolutions, sharedChecks, cachedChecks },
    reads: store.reads,
  });
}

const followingRequest = new WeakMap<VerifyImagesPolicy, boolean>();

/** Whether every verdict of `policy` is a function of the request and the evidence alone. */
export function followsRequest(policy: VerifyImagesPolicy): boolean {
  let follows = followingRequest.get(policy);
  if (follows === undefined) {
    follows = policy.cel === undefined && policy.rules.every(ruleFollowsRequest);
    followingRequest.set(policy, follows);
  }
  return follows;
}

function ruleFollowsRequest(rule: VerifyImagesRule): boolean {
  if (rule.context.length > 0 || rule.preconditions !== undefined) return false;
  const extractors = Object.values(rule.imageExtractors).flat();
  if (extractors.some((e) => e.jmesPath !== undefined)) return false;
  if (holdsVariable(rule.verifyImages)) return false;
  return rule.verifyImages.every(
    (v) =>
      v.validate === undefined &&
      v.pullSecrets.length === 0 &&
      v.attestations.every((a) => a.conditions.length === 0 && !a.attestors.some(readsSecret)) &&
      !v.attestors.some(readsSecret),
  );
}

/** A `keys.secret` attestor reads its keys from a Secret on each admission. */
function readsSecret(set: AttestorSet): boolean {
  return set.entries.some((entry) =>
    entry.kind === "nested"
      ? readsSecret(entry.attestorSet)
      : entry.kind === "keys" && entry.secret !== undefined,
  );
}

function holdsVariable(value: unknown): boolean {
  if (typeof value === "string") return value.includes("{{");
  if (Array.isArray(value)) return value.some(holdsVariable);
  if (value === null || typeof value !== "object") return false;
  return Object.values(value).some(holdsVariable);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
