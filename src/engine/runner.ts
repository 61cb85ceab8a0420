/**
 * Runs the leaves of a plan and records each outcome on it. Parallel: every
 * image is resolved once and every check starts as soon as its image's
 * digest is known, identical checks sharing one run; verified evidence comes
 * from and goes to the cross-request cache. Sequential (Kyverno 1.11): one
 * resolution or check at a time, each on its own, nothing remembered, and
 * no entry checked once its set's count is met.
 */
import { formatReference, formatRepository } from "../oci/reference.ts";
import type { VerdictStore } from "./cache/cache.ts";
import {
  type CheckContext,
  checkAttestations,
  checkSignatures,
  type ImageTarget,
  resolveImage,
  type VerifiedSignature,
} from "./checks/index.ts";
import { type Leaf, leavesOf, type SetPlan, type Settled, setsOf, type Unit } from "./plan.ts";
import { Slots } from "./slots.ts";

export interface RunStats {
  /** Leaf checks run against the registry. */
  checks: number;
  /** Leaf checks answered by an identical one of the same request. */
  sharedChecks: number;
  /** Leaf checks answered by the cross-request cache. */
  cachedChecks: number;
  /** Digest resolutions started. */
  resolutions: number;
}

export interface Runner {
  run(units: readonly Unit[]): Promise<void>;
  readonly stats: RunStats;
  /**
   * Once the cache has been asked: the units of the run whose tag's last
   * digest has cached evidence for every leaf, which their HEADs may confirm.
   */
  guesses?(): Promise<readonly Guess[]>;
}

/** What a unit's leaves come to if its tag still names the image it named last. */
export interface Guess {
  readonly unit: Unit;
  /** The image the tag resolved to last; its HEAD has yet to say the same. */
  readonly target: ImageTarget;
  /** Each leaf's cached evidence on that image. */
  readonly outcomes: ReadonlyMap<Leaf, readonly VerifiedSignature[]>;
}

/**
 * Records how `promise` settles, unless `signal` has aborted by then: past the
 * deadline an outcome is left pending, so a check cut short reads as timed
 * out, not as failed.
 */
function settle<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  record: (settled: Settled<T>) => void,
): Promise<void> {
  return promise.then(
    (value) => {
      if (!signal?.aborted) record({ state: "done", value });
    },
    (error: unknown) => {
      if (!signal?.aborted) record({ state: "failed", error });
    },
  );
}

function leafCheck(
  ctx: CheckContext,
  target: ImageTarget,
  leaf: Leaf,
): Promise<VerifiedSignature[]> {
  const { policy, location } = leaf.spec;
  return leaf.evidence.kind === "signature"
    ? checkSignatures(ctx, target, policy, location)
    : checkAttestations(ctx, target, policy, leaf.evidence.predicateType, location);
}

/**
 * A unit's check context: the request's, seen through the unit's pull
 * secrets when it has any, one view per credential set.
 */
function contextsOf(ctx: CheckContext): (unit: Unit) => CheckContext {
  const bySet = new Map<string, CheckContext>();
  return (unit) => {
    const credentials = unit.credentials;
    if (credentials === undefined) return ctx;
    let known = bySet.get(credentials.setName);
    if (known === undefined) {
      const client = ctx.client.withCredentials(credentials.source, credentials.setName);
      known = { ...ctx, client };
      bySet.set(credentials.setName, known);
    }
    return known;
  };
}

/** What a resolution or check is shared by within a request: same credentials, same call. */
function credentialScope(unit: Unit): string {
  return unit.credentials?.setName ?? "";
}

function imageKey(target: ImageTarget): string {
  return `${formatRepository(target.repository)}@${target.digest}`;
}

/** True when `a` and `b` name one image: the same repository and digest. */
export function sameImage(a: ImageTarget, b: ImageTarget): boolean {
  return (
    a.digest === b.digest &&
    a.repository.registry === b.repository.registry &&
    a.repository.repository === b.repository.repository
  );
}

/** What one leaf's outcome on `identity` is shared under within a request. */
function leafKey(unit: Unit, identity: ImageTarget, leaf: Leaf): string {
  return `${credentialScope(unit)}|${imageKey(identity)}|${leaf.configName}`;
}

/** What the cross-request cache keeps a leaf's evidence on `identity` under. */
function evidenceKey(identity: ImageTarget, configId: string): string {
  return `${imageKey(identity)}|${configId}`;
}

/**
 * The image a reference names by digest, when its verdicts may come from the
 * cache: what a cached verdict is keyed by, known without asking the
 * registry (a tag beside the digest changes nothing: the digest is what is
 * resolved, checked and pulled).
 */
function pinnedIdentity(unit: Unit, cache: VerdictStore | undefined): ImageTarget | undefined {
  const ref = unit.image.reference;
  if (cache === undefined || !unit.verification.useCache) return undefined;
  if (ref.digest === undefined) return undefined;
  return {
    name: formatReference(ref),
    repository: { registry: ref.registry, repository: ref.repository },
    digest: ref.digest,
  };
}

/**
 * Leaf checks in flight at once by default; each may fetch several
 * artifacts. Enough for 50 images each with a signature and three
 * attestations at once: a check mostly waits on the registry, and what it
 * holds is bounded by the admission's byte budget, not by this.
 */
export const DEFAULT_MAX_PARALLEL_CHECKS = 256;

export function parallelRunner(
  ctx: CheckContext,
  cache: VerdictStore | undefined,
  maxParallelChecks: number = DEFAULT_MAX_PARALLEL_CHECKS,
): Runner {
  const slots = new Slots(maxParallelChecks);
  const stats: RunStats = { checks: 0, sharedChecks: 0, cachedChecks: 0, resolutions: 0 };
  const targets = new Map<string, Promise<ImageTarget>>();
  const checks = new Map<string, Promise<readonly VerifiedSignature[]>>();
  const looked = new Map<string, Promise<readonly VerifiedSignature[] | undefined>>();
  const guessing: Promise<Guess | undefined>[] = [];
  const contextOf = contextsOf(ctx);
  let sent: Promise<void> | undefined;
  let taggedLeaves: Promise<Promise<void>[]> = Promise.resolve([]);
  // A task later, every request the run could start without waiting has gone out.
  const requestsSent = (): Promise<void> =>
    (sent ??= new Promise((resolve) => setTimeout(resolve, 0)));

  const resolve = (unit: Unit): Promise<ImageTarget> => {
    const reference = formatReference(unit.image.reference);
    const key = `${credentialScope(unit)}|${reference}`;
    let target = targets.get(key);
    if (target === undefined) {
      stats.resolutions++;
      const known = unit.verification.useCache ? cache?.digest(reference) : undefined;
      target =
        known !== undefined
          ? Promise.resolve(known)
          : resolveImage(contextOf(unit), unit.image.reference).then((resolved) => {
              cache?.rememberDigest(reference, resolved);
              return resolved;
            });
      targets.set(key, target);
    }
    return target;
  };

  /**
   * The outcome of `leaf` on the image `identity` names (repository and
   * digest): from this request, then the cache, else checked against the
   * target `checkTarget` gives.
   */
  const verify = async (
    unit: Unit,
    identity: ImageTarget,
    leaf: Leaf,
    checkTarget: () => Promise<ImageTarget>,
    cached?: Promise<readonly VerifiedSignature[] | undefined>,
  ): Promise<readonly VerifiedSignature[]> => {
    const memoKey = leafKey(unit, identity, leaf);
    const running = checks.get(memoKey);
    if (running !== undefined) {
      stats.sharedChecks++;
      return running;
    }
    const run = (async () => {
      const shared = unit.verification.useCache ? cache : undefined;
      const cacheKey = shared && evidenceKey(identity, await leaf.configId());
      const hit = cacheKey === undefined ? undefined : await (cached ?? shared?.verified(cacheKey));
      if (hit !== undefined) {
        stats.cachedChecks++;
        return hit;
      }
      const target = await checkTarget();
      stats.checks++;
      const results = await slots.run(() => leafCheck(contextOf(unit), target, leaf));
      if (cacheKey !== undefined) await shared?.rememberVerified(cacheKey, results);
      return results;
    })();
    checks.set(memoKey, run);
    return run;
  };

  /**
   * The cached evidence for `leaf` on `identity`, asked once per request and
   * before the unit's tag is resolved: a lookup, never a check.
   */
  const cachedOn = (
    unit: Unit,
    identity: ImageTarget,
    leaf: Leaf,
    store: VerdictStore,
  ): Promise<readonly VerifiedSignature[] | undefined> => {
    const memoKey = leafKey(unit, identity, leaf);
    let known = looked.get(memoKey);
    if (known === undefined) {
      // Asked once the run's requests are sent: a guess must not hold back a HEAD.
      known = requestsSent()
        .then(() => leaf.configId())
        .then((id) => store.verified(evidenceKey(identity, id)));
      looked.set(memoKey, known);
    }
    return known;
  };

  /**
   * A unit named by tag: resolved, then each leaf checked on what the tag
   * names. When the tag resolved before, each leaf's evidence on that image
   * is looked up meanwhile; it answers the leaf only if the tag still names it.
   */
  const runTagged = (unit: Unit): Promise<void>[] => {
    const target = resolve(unit);
    const resolved = settle(target, ctx.signal, (s) => {
      unit.target = s;
    });
    const store = unit.verification.useCache ? cache : undefined;
    const last = store?.lastDigest(formatReference(unit.image.reference));
    const early = leavesOf(unit).map((leaf) => ({
      leaf,
      cached:
        last !== undefined && store !== undefined ? cachedOn(unit, last, leaf, store) : undefined,
    }));
    const leaves = early.map(({ leaf, cached }) =>
      settle(
        target.then((t) => {
          const still = last !== undefined && sameImage(t, last);
          return verify(unit, t, leaf, () => target, still ? cached : undefined);
        }),
        ctx.signal,
        (s) => {
          leaf.outcome = s;
        },
      ),
    );
    if (last !== undefined) guessing.push(guessOf(unit, last, early));
    return [resolved, ...leaves];
  };

  /** A unit whose image is named by its digest: its leaves, and a resolution only if one misses. */
  const runPinned = (unit: Unit, identity: ImageTarget): Promise<void>[] => {
    let resolution: Promise<ImageTarget> | undefined;
    let resolved: Promise<void> | undefined;
    const checkTarget = () => {
      if (resolution === undefined) {
        resolution = resolve(unit);
        // Recorded as soon as it settles, so a check that then hangs reads as a check timing out.
        resolved = settle(resolution, ctx.signal, (s) => {
          unit.target = s;
        });
      }
      return resolution;
    };
    const leaves = leavesOf(unit).map((leaf) =>
      settle(verify(unit, identity, leaf, checkTarget), ctx.signal, (s) => {
        leaf.outcome = s;
      }),
    );
    // Every verdict cached: the digest names the content, so no request is needed to trust it.
    const target = Promise.all(leaves).then(() => {
      if (resolved !== undefined) return resolved;
      if (!ctx.signal?.aborted) unit.target = { state: "done", value: identity };
    });
    return [target, ...leaves];
  };

  return {
    stats,
    run(units) {
      const work: Promise<void>[] = [];
      const tagged: Unit[] = [];
      for (const unit of units) {
        if (unit.refused !== undefined) continue;
        const identity = pinnedIdentity(unit, cache);
        if (identity !== undefined) work.push(...runPinned(unit, identity));
        else {
          // Its HEAD starts now; the leaves below take up how it settles.
          void resolve(unit);
          tagged.push(unit);
        }
      }
      // The HEADs' loads were queued first: they go out before any leaf is set up.
      taggedLeaves = Promise.resolve().then(() => tagged.flatMap(runTagged));
      return Promise.all([...work, taggedLeaves.then((leaves) => Promise.all(leaves))]).then(
        () => undefined,
      );
    },
    async guesses() {
      await taggedLeaves;
      const guesses = await Promise.all(guessing);
      return guesses.filter((g): g is Guess => g !== undefined);
    },
  };
}

/** The guess for `unit` on `target`, when every leaf's evidence there is cached. */
async function guessOf(
  unit: Unit,
  target: ImageTarget,
  early: readonly {
    leaf: Leaf;
    cached: Promise<readonly VerifiedSignature[] | undefined> | undefined;
  }[],
): Promise<Guess | undefined> {
  const outcomes = new Map<Leaf, readonly VerifiedSignature[]>();
  for (const { leaf, cached } of early) {
    const hit = await cached?.catch(() => undefined);
    if (hit === undefined) return undefined;
    outcomes.set(leaf, hit);
  }
  return { unit, target, outcomes };
}

export function sequentialRunner(requestCtx: CheckContext): Runner {
  const stats: RunStats = { checks: 0, sharedChecks: 0, cachedChecks: 0, resolutions: 0 };
  const contextOf = contextsOf(requestCtx);

  /**
   * Kyverno 1.11: a set's entries one at a time, in order, stopping once
   * `required` of them verified; true when they did. The fold reads the
   * entries the same way, so the leaves left unchecked never change a verdict.
   */
  const runSet = async (ctx: CheckContext, target: ImageTarget, set: SetPlan): Promise<boolean> => {
    let verified = 0;
    for (const entry of set.entries) {
      if (ctx.signal?.aborted) return false;
      if (entry.kind === "leaf") {
        const { leaf } = entry;
        stats.checks++;
        await settle(leafCheck(ctx, target, leaf), ctx.signal, (s) => {
          leaf.outcome = s;
        });
        if (leaf.outcome.state === "done") verified++;
      } else if (entry.kind === "nested" && (await runSet(ctx, target, entry.set))) {
        verified++;
      }
      if (verified >= set.required) return true;
    }
    return false;
  };

  return {
    stats,
    async run(units) {
      for (const unit of units) {
        if (requestCtx.signal?.aborted) return;
        if (unit.refused !== undefined) continue;
        const ctx = contextOf(unit);
        stats.resolutions++;
        await settle(resolveImage(ctx, unit.image.reference), ctx.signal, (s) => {
          unit.target = s;
        });
        if (unit.target.state !== "done") continue;
        // As Kyverno returns at the first set short of its count, and so does the fold.
        for (const set of setsOf(unit)) {
          if (!(await runSet(ctx, unit.target.value, set))) break;
        }
      }
    },
  };
}
