/**
 * One admission request through the verifyImages policies: plan every
 * (image x rule x attestor x attestation) check, run them all at once over a
 * store made for this request (or one at a time, in sequential mode), within
 * the webhook's time budget, and fold the outcomes into Kyverno's answer.
 */
import type { AdmissionRequest, JsonPatchOperation } from "../admission/index.ts";
import { StaticConfigMapSource, StaticSecretSource } from "../policy/index.ts";
import { SingleFlight } from "../store/single-flight.ts";
import { boundedConfigMaps, boundedSecrets } from "./bounded-sources.ts";
import { budgetMs } from "./budget.ts";
import { RecordingStore } from "./cache/answers.ts";
import type { VerdictStore } from "./cache/cache.ts";
import type { CheckContext } from "./checks/index.ts";
import { engineError } from "./errors.ts";
import { foldUnit } from "./fold.ts";
import { confirms, foreseeLater } from "./foresight.ts";
import { foldCelPlan, prefetchImageData } from "./ivpol.ts";
import type { Unit } from "./plan.ts";
import type { UnitVerdict } from "./problems.ts";
import { DEFAULT_OWN_NAMESPACE } from "./pull-secrets.ts";
import { rememberAnswer, replayAnswer, replayKey } from "./replay.ts";
import { type Plan, planRequest } from "./rules.ts";
import { parallelRunner, type Runner, sequentialRunner } from "./runner.ts";
import type { AdmissionEvaluation, EngineContext, ImageResult } from "./types.ts";
import { answerOf, patchOf } from "./verdict.ts";

const NO_CONFIG_MAPS = new StaticConfigMapSource([]);
const NO_SECRETS = new StaticSecretSource([]);

export async function evaluateAdmission(
  request: AdmissionRequest,
  context: EngineContext,
): Promise<AdmissionEvaluation> {
  const { clock, options = {} } = context;
  const start = Math.min(options.receivedAt ?? Number.POSITIVE_INFINITY, clock.now());
  const sequential = options.sequential ?? false;
  const mutate = options.mutate ?? true;
  const useStore = !sequential && (options.requestStore ?? true);
  const cache = sequential || options.useCache === false ? undefined : context.cache;
  // An answer the cache alone gave before, under the same policies and trust, is given again.
  const replay = useStore && cache ? replayKey(request, context, options, mutate) : undefined;
  if (cache !== undefined && replay !== undefined) {
    const replayed = replayAnswer(cache, clock, replay, start);
    if (replayed !== undefined) return replayed;
  }
  // Which policies apply is not known yet: the context is loaded within the shortest budget of all.
  const planningBudget = budgetMs(
    context.policies,
    options.defaultTimeoutSeconds,
    options.marginMs,
  );
  const plan = await planRequest({
    request,
    policies: context.policies,
    trust: context.trust,
    configMaps: boundedConfigMaps(
      options.configMaps ?? NO_CONFIG_MAPS,
      clock,
      start + planningBudget,
    ),
    secrets: boundedSecrets(options.secrets ?? NO_SECRETS, clock, start + planningBudget),
    ownNamespace: options.ownNamespace ?? DEFAULT_OWN_NAMESPACE,
    now: start,
    mutate,
    matchFacts: options.matchFacts ?? {},
  });
  const budget = budgetMs(plan.matched, options.defaultTimeoutSeconds, options.marginMs);

  // The store lives as long as this call: nothing fetched here is seen by another request.
  const client = context.client.withStore(
    useStore ? new SingleFlight<string, unknown>() : undefined,
  );
  const deadline = new AbortController();
  const ctx: CheckContext = {
    client,
    now: () => clock.now(),
    signal: deadline.signal,
    ...(options.limits !== undefined && { limits: options.limits }),
  };
  // What the cache answers is recorded when the answer may be remembered.
  const store = cache && replay !== undefined ? new RecordingStore(cache) : undefined;
  const runner: Runner = sequential
    ? sequentialRunner(ctx)
    : useStore
      ? parallelRunner(ctx, store ?? cache, options.maxParallelChecks)
      : unitByUnitRunner(ctx, cache, options.maxParallelChecks);
  const celUnits = plan.cel.flatMap((c) => c.units.flat());
  const running = runWithin(
    runner,
    [...plan.units, ...celUnits],
    budget - (clock.now() - start),
    clock,
    deadline,
  );
  const foresight = foreseeLater(runner, plan, clock, (verdictOf) =>
    conclude(request, context, plan, mutate, verdictOf),
  );
  const timedOut = await running;
  // getImageData reads what the checks resolved: fetched before the CEL runs, within the deadline.
  await Promise.all(plan.cel.map((c) => prefetchImageData(c, ctx)));

  const foreseen = foresight.take();
  const stands = new Map<Unit, UnitVerdict>();
  for (const [unit, known] of foreseen?.verdicts ?? []) {
    if (confirms(unit, known)) stands.set(unit, known.verdict);
  }
  const now = clock.now();
  const { results, patch, answer } =
    foreseen?.conclusion !== undefined && stands.size === foreseen.verdicts.size
      ? foreseen.conclusion
      : conclude(request, context, plan, mutate, (unit) => {
          return stands.get(unit) ?? foldUnit(unit, { now, budget: plan.expressions });
        });
  const { requests, shared } = client.stats;
  const evaluation: AdmissionEvaluation = {
    ...answer,
    patch,
    results,
    timing: {
      mode: sequential ? "sequential" : "parallel",
      totalMs: clock.now() - start,
      budgetMs: budget,
      timedOut,
      requests,
      sharedRequests: shared,
      ...runner.stats,
      foreseen: stands.size,
    },
  };
  if (cache !== undefined && replay !== undefined && store !== undefined) {
    rememberAnswer(cache, clock, replay, {
      plan,
      store,
      stats: runner.stats,
      requests,
      evaluation,
    });
  }
  return evaluation;
}

interface Conclusion {
  results: ImageResult[];
  answer: ReturnType<typeof answerOf>;
  patch: JsonPatchOperation[];
}

/** The answer to `request` from the verdict of each unit (`verdictOf`) and the CEL plans. */
function conclude(
  request: AdmissionRequest,
  context: EngineContext,
  plan: Plan,
  mutate: boolean,
  verdictOf: (unit: Unit) => UnitVerdict,
): Conclusion {
  const unitResults: ImageResult[] = plan.units.map((unit) => {
    const verdict = verdictOf(unit);
    // Kyverno resolves one action per rule (Enforce when any entry enforces); the entry's own
    // Enforce stands too, so of the two the stricter decides.
    const action =
      unit.rule.failureAction === "Enforce" ? "Enforce" : unit.verification.failureAction;
    return {
      policy: unit.policy.name,
      rule: unit.rule.name,
      image: unit.image.image,
      path: unit.verification.path,
      status: verdict.status,
      message: verdict.message,
      ...(verdict.digest !== undefined && { digest: verdict.digest }),
      ...(verdict.code !== undefined && { code: verdict.code }),
      ...(verdict.timedOut === true && { timedOut: true }),
      failureAction: action,
      failurePolicy: unit.policy.failurePolicy,
    };
  });
  const celResults = plan.cel.map(foldCelPlan);
  const results = [...plan.decided, ...unitResults, ...celResults.flat()];
  const answer = answerOf(request, results, context.policies);
  // A CEL policy's result for an image stands for each of its units (one per attestor type).
  const celPins = plan.cel.flatMap((c, i) =>
    c.units.flatMap((units, image) =>
      units.map((unit) => ({ unit, result: celResults[i]?.[image] })),
    ),
  );
  const patch =
    mutate && answer.allowed
      ? patchOf(
          request,
          [...plan.units, ...celPins.map((p) => p.unit)],
          [...unitResults, ...celPins.map((p) => p.result as ImageResult)],
        )
      : [];
  return { results, answer, patch };
}

/**
 * Every unit at once, each on a runner of its own: no resolution or check is
 * shared between units, as when each rule and container is verified apart.
 */
function unitByUnitRunner(
  ctx: CheckContext,
  cache: VerdictStore | undefined,
  maxParallelChecks: number | undefined,
): Runner {
  const runners: Runner[] = [];
  return {
    get stats() {
      const total = { checks: 0, sharedChecks: 0, cachedChecks: 0, resolutions: 0 };
      for (const { stats } of runners) {
        total.checks += stats.checks;
        total.sharedChecks += stats.sharedChecks;
        total.cachedChecks += stats.cachedChecks;
        total.resolutions += stats.resolutions;
      }
      return total;
    },
    async run(units) {
      await Promise.all(
        units.map((unit) => {
          const runner = parallelRunner(ctx, cache, maxParallelChecks);
          runners.push(runner);
          return runner.run([unit]);
        }),
      );
    },
  };
}

const TIMER_STOPPED = "evaluation ended";

/** Runs the units until done or until `remainingMs` pass; true when the deadline cut them short. */
async function runWithin(
  runner: Runner,
  units: Parameters<Runner["run"]>[0],
  remainingMs: number,
  clock: EngineContext["clock"],
  deadline: AbortController,
): Promise<boolean> {
  const timer = new AbortController();
  const expired = clock.sleep(Math.max(0, remainingMs), timer.signal).then(
    () => true,
    () => false,
  );
  const finished = runner.run(units).then(() => false);
  const timedOut = await Promise.race([finished, expired]);
  // A fixed reason: a bare abort() builds a DOMException with a stack each time.
  timer.abort(TIMER_STOPPED);
  if (timedOut) {
    deadline.abort(
      engineError("DEADLINE_EXCEEDED", `the admission's time budget of ${remainingMs} ms ran out`),
    );
  }
  return timedOut;
}
