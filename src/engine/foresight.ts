/**
 * Verdicts folded before the registry has answered. A warm admission by tag
 * waits one round of HEADs, one per tag, and then has little left to learn:
 * each tag most likely names the image it named last, whose evidence is
 * cached. So while the HEADs are out, each such unit is folded on that image
 * and that evidence. A foreseen verdict stands only where the run confirms
 * it: the tag resolved to the same image and every leaf came to the very
 * evidence the fold read. Folding again would then read the same inputs, so
 * it is given as is. A fold that read the clock is not kept (it would read
 * another time later); nothing else it reads changes within an admission.
 */
import { clockReadCount, type EvaluationOptions } from "../policy/index.ts";
import type { VerifiedSignature } from "./checks/index.ts";
import { foldUnit } from "./fold.ts";
import { leavesOf, type Settled, type Unit } from "./plan.ts";
import type { UnitVerdict } from "./problems.ts";
import type { Plan } from "./rules.ts";
import { type Guess, type Runner, sameImage } from "./runner.ts";
import type { EngineContext } from "./types.ts";

export interface Foreseen {
  readonly guess: Guess;
  readonly verdict: UnitVerdict;
}

const PENDING: Settled<never> = { state: "pending" };

/** The guesses' verdicts, by unit. */
function foresee(guesses: readonly Guess[], options: EvaluationOptions): Map<Unit, Foreseen> {
  const foreseen = new Map<Unit, Foreseen>();
  for (const guess of guesses) {
    const verdict = foldUnit(guess.unit, options, {
      target: { state: "done", value: guess.target },
      outcome: (leaf) => {
        const value = guess.outcomes.get(leaf);
        return value === undefined ? PENDING : { state: "done", value };
      },
    });
    foreseen.set(guess.unit, { guess, verdict });
  }
  return foreseen;
}

/** True when the run gave `unit` exactly the inputs its foreseen verdict was folded from. */
export function confirms(unit: Unit, { guess }: Foreseen): boolean {
  const { target } = unit;
  if (target.state !== "done" || !sameImage(target.value, guess.target)) return false;
  return leavesOf(unit).every((leaf) => sameEvidence(leaf.outcome, guess.outcomes.get(leaf)));
}

function sameEvidence(
  outcome: Settled<readonly VerifiedSignature[]>,
  foreseen: readonly VerifiedSignature[] | undefined,
): boolean {
  return outcome.state === "done" && outcome.value === foreseen;
}

export interface Foresight<Conclusion> {
  /** The units folded early, on their guesses. */
  readonly verdicts: ReadonlyMap<Unit, Foreseen>;
  /** The whole answer, when every unit was foreseen or settled already, and no CEL plan waits. */
  readonly conclusion?: Conclusion;
}

/**
 * Folds the runner's guesses as soon as it has them (after the run's
 * requests went out), unless `take` came first; `take` gives what was
 * foreseen, and stops what was not yet.
 */
export function foreseeLater<Conclusion>(
  runner: Runner,
  plan: Plan,
  clock: EngineContext["clock"],
  conclude: (verdictOf: (unit: Unit) => UnitVerdict) => Conclusion,
): { take(): Foresight<Conclusion> | undefined } {
  let taken = false;
  let foresight: Foresight<Conclusion> | undefined;
  runner
    .guesses?.()
    .then((guesses) => {
      if (guesses.length === 0 || taken) return;
      const options = { now: clock.now(), budget: plan.expressions };
      const clockReads = clockReadCount();
      const verdicts = foresee(guesses, options);
      const whole = plan.cel.length === 0 && plan.units.every((u) => verdicts.has(u) || settled(u));
      const conclusion = whole
        ? conclude((u) => verdicts.get(u)?.verdict ?? foldUnit(u, options))
        : undefined;
      // A fold that read the clock would read another time at the end: none of it is kept.
      if (clockReadCount() !== clockReads) return;
      foresight = { verdicts, ...(conclusion !== undefined && { conclusion }) };
    })
    // Whatever failed here is folded again at the end.
    .catch(() => undefined);
  return {
    take() {
      taken = true;
      return foresight;
    },
  };
}

/** True when nothing the run records on `unit` can change any more. */
function settled(unit: Unit): boolean {
  return (
    unit.refused !== undefined ||
    (unit.target.state !== "pending" &&
      leavesOf(unit).every((leaf) => leaf.outcome.state !== "pending"))
  );
}
