import { attempt, type Failure, isPolicyFault, type Outcome } from "./outcomes.ts";

/** One signature artifact found in a listing, fetched only when examined. */
export interface Candidate<A> {
  /** Names the artifact in messages and results: `registry/repo@sha256:…`. */
  source: string;
  /** The artifact, or `undefined` when on closer look it is not of the family listed. */
  load(): Promise<A | undefined>;
}

/**
 * Lists candidates, then loads and examines every one at once. A listing that
 * fails is one failed outcome (another format may still verify); `examine`
 * returns `undefined` for an artifact that is not the evidence asked for.
 */
export async function examineAll<A, T>(
  listing: string,
  list: () => Promise<readonly Candidate<A>[]>,
  examine: (artifact: A, source: string) => Promise<T | undefined>,
): Promise<(Outcome<T> | undefined)[]> {
  let candidates: readonly Candidate<A>[];
  try {
    candidates = await list();
  } catch (error) {
    if (isPolicyFault(error)) throw error;
    const failed: Failure = { source: listing, error };
    return [{ failed }];
  }
  return Promise.all(
    candidates.map((candidate) =>
      attempt(candidate.source, async () => {
        const artifact = await candidate.load();
        return artifact === undefined ? undefined : examine(artifact, candidate.source);
      }),
    ),
  );
}
