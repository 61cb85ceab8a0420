/**
 * Admissions sent to a `serve` process over HTTP as the API server sends
 * them: a Pod CREATE to /mutate (where a tag is admitted with its digest
 * pinned; /validate wants the digest), each given a deadline.
 */
import { reviewJson } from "../test/unit/engine/core/world.ts";

export interface Replica {
  url: string;
  /** Its bearer token. */
  token: string;
}

export interface AdmissionAnswer {
  allowed: boolean;
  message: string | undefined;
  ms: number;
}

/** Admits a Pod of one container running `image`; rejects past `deadlineMs` or on a non-200. */
export async function admitImage(
  replica: Replica,
  image: string,
  deadlineMs: number,
): Promise<AdmissionAnswer> {
  const started = performance.now();
  const res = await fetch(`${replica.url}/mutate`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${replica.token}` },
    body: JSON.stringify(reviewJson([{ name: "app", image }])),
    signal: AbortSignal.timeout(deadlineMs),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${res.status} from ${replica.url}/mutate: ${body}`);
  const review = JSON.parse(body) as {
    response: { allowed: boolean; status?: { message?: string } };
  };
  const { allowed, status } = review.response;
  return { allowed, message: status?.message, ms: performance.now() - started };
}

export interface AdmissionCase {
  image: string;
  /** The right answer. */
  allowed: boolean;
}

export interface JudgedAdmission {
  image: string;
  correct: boolean;
  /** Until the answer, or until it was given up on. */
  ms: number;
  /** Why it is not correct. */
  problem?: string;
}

/** Sends `admissions` one after another, judging each answer and its time. */
export async function admitAll(
  admissions: readonly (AdmissionCase & { replica: Replica })[],
  deadlineMs: number,
): Promise<JudgedAdmission[]> {
  const judged: JudgedAdmission[] = [];
  for (const { replica, image, allowed } of admissions) {
    const started = performance.now();
    try {
      const answer = await admitImage(replica, image, deadlineMs);
      const late = answer.ms > deadlineMs;
      const correct = answer.allowed === allowed && !late;
      const problem = late
        ? `answered after ${answer.ms.toFixed(0)} ms`
        : `${answer.allowed ? "allowed" : "denied"}: ${answer.message ?? ""}`;
      judged.push({ image, correct, ms: answer.ms, ...(!correct && { problem }) });
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      judged.push({ image, correct: false, ms: performance.now() - started, problem });
    }
  }
  return judged;
}
