/**
 * Whole answers remembered across admissions, beside the verified evidence
 * they were folded from. An answer is kept only when the cache alone gave
 * every verdict input the registry would have (see `../replay.ts`), with the
 * exact entries it read; it is served again only while each of those entries
 * is still the one read (not expired, evicted or stored anew), so a replay
 * says what a cold evaluation would say at that moment.
 */
import type { Clock } from "../../deps.ts";
import { TtlCache } from "../../store/ttl-cache.ts";
import type { ImageTarget, VerifiedSignature } from "../checks/index.ts";
import type { AdmissionEvaluation, EngineTiming } from "../types.ts";
import type { CacheReads, VerdictStore, VerificationCache } from "./cache.ts";

/**
 * The cache as one admission sees it, recording each answer it gave.
 * `complete` turns false once the cache could not answer alone: a miss, or
 * evidence or a digest stored because something was fetched or checked.
 */
export class RecordingStore implements VerdictStore {
  readonly #cache: VerificationCache;
  readonly #verified = new Map<string, readonly VerifiedSignature[]>();
  readonly #digests = new Map<string, ImageTarget>();
  #complete = true;

  constructor(cache: VerificationCache) {
    this.#cache = cache;
  }

  get complete(): boolean {
    return this.#complete;
  }

  get reads(): CacheReads {
    return { verified: this.#verified, digests: this.#digests };
  }

  async verified(key: string): Promise<readonly VerifiedSignature[] | undefined> {
    const hit = await this.#cache.verified(key);
    if (hit === undefined) this.#complete = false;
    else this.#verified.set(key, hit);
    return hit;
  }

  rememberVerified(key: string, results: readonly VerifiedSignature[]): Promise<void> {
    this.#complete = false;
    return this.#cache.rememberVerified(key, results);
  }

  digest(reference: string): ImageTarget | undefined {
    const known = this.#cache.digest(reference);
    if (known === undefined) this.#complete = false;
    else this.#digests.set(reference, known);
    return known;
  }

  rememberDigest(reference: string, target: ImageTarget): void {
    this.#complete = false;
    this.#cache.rememberDigest(reference, target);
  }

  /** Not a verdict input: a guess the registry confirms or not. */
  lastDigest(reference: string): ImageTarget | undefined {
    return this.#cache.lastDigest(reference);
  }
}

/** What an evaluation answered, without its timing: frozen, shared by every replay. */
export type RememberedVerdict = Readonly<Omit<AdmissionEvaluation, "timing">>;

export interface RememberedAnswer {
  readonly verdict: RememberedVerdict;
  /** The counts of the evaluation that made it, which a replay reports again. */
  readonly timing: Pick<EngineTiming, "budgetMs" | "resolutions" | "sharedChecks" | "cachedChecks">;
  readonly reads: CacheReads;
}

export interface AnswerMemoOptions {
  clock: Pick<Clock, "now">;
  /** Default 256. */
  maxEntries?: number;
  /** Most characters all keys and answers may take together, counted as their JSON; default 8 Mi. */
  maxChars?: number;
  /** An answer is dropped this long after it was remembered, if not before. */
  ttlMs: number;
}

/** An answer heavier than this (its key included) is not kept: a large object is planned anew. */
export const MAX_ANSWER_CHARS: number = 64 * 1024;

export class AnswerMemo {
  readonly #answers: TtlCache<string, RememberedAnswer>;

  constructor(options: AnswerMemoOptions) {
    this.#answers = new TtlCache({
      maxEntries: options.maxEntries ?? 256,
      maxWeight: options.maxChars ?? 8 * 1024 * 1024,
      weigh: weighAnswer,
      ttlMs: options.ttlMs,
      clock: options.clock,
    });
  }

  get(key: string): RememberedAnswer | undefined {
    return this.#answers.get(key);
  }

  remember(key: string, answer: RememberedAnswer): void {
    if (weighAnswer(answer, key) <= MAX_ANSWER_CHARS) this.#answers.set(key, answer);
  }

  forget(key: string): void {
    this.#answers.delete(key);
  }

  clear(): void {
    this.#answers.clear();
  }

  get size(): number {
    return this.#answers.size;
  }
}

const weights = new WeakMap<RememberedAnswer, number>();

function weighAnswer(answer: RememberedAnswer, key: string): number {
  let weight = weights.get(answer);
  if (weight === undefined) {
    weight = JSON.stringify(answer.verdict).length;
    for (const k of answer.reads.verified.keys()) weight += k.length;
    for (const k of answer.reads.digests.keys()) weight += k.length;
    weights.set(answer, weight);
  }
  return weight + key.length;
}
