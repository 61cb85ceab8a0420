import type { Sha256, Sha256Stream } from "../../digest/types.ts";
import { concatBytes } from "../../encoding/bytes.ts";
import { sha256Digest } from "../content/digest.ts";
import { isOciError } from "../errors.ts";
import { asOciError, type Operation, opError } from "../operation.ts";

/**
 * Reads a response body chunk by chunk: never more than `maxBytes` is held,
 * `Content-Length` is checked before the first byte and against the count
 * at the end, every byte is charged to the admission's budget, and the
 * SHA-256 is computed as the bytes arrive.
 */

export interface ReadOptions {
  /** What the body is, for messages: "manifest", "blob sha256:...". */
  what: string;
  maxBytes: number;
  /** The descriptor's `size`, when the content is known in advance. */
  expectedSize?: number;
}

/** The whole body, within the limits. */
export function readBody(res: Response, op: Operation, options: ReadOptions): Promise<Uint8Array> {
  return readChunks(res, op, options, undefined);
}

/** The whole body and its `sha256:` digest, computed as the bytes arrive. */
export async function readDigested(
  res: Response,
  op: Operation,
  options: ReadOptions,
  sha256: Sha256,
): Promise<{ bytes: Uint8Array; digest: string }> {
  const hasher = streamingHasher(sha256);
  const bytes = await readChunks(res, op, options, hasher);
  // WebCrypto cannot stream: it hashes the (bounded) bytes at the end instead.
  const raw = hasher ? hasher.digest() : await sha256.hash(bytes);
  return { bytes, digest: sha256Digest(raw) };
}

async function readChunks(
  res: Response,
  op: Operation,
  options: ReadOptions,
  hasher: Sha256Stream | undefined,
): Promise<Uint8Array> {
  const { what, maxBytes, expectedSize } = options;
  const declared = contentLength(res);
  const reader = res.body?.getReader();
  const { budget } = op;
  const refuse = (
    code: "TOO_LARGE" | "SIZE_MISMATCH" | "BUDGET_EXCEEDED",
    detail: string,
  ): never => {
    reader?.cancel().catch(() => {});
    throw opError(op, code, `${what}: ${detail}`);
  };
  if (declared !== undefined && declared > maxBytes) {
    refuse("TOO_LARGE", `${declared} bytes announced, more than the limit of ${maxBytes}`);
  }
  const overBudget = `the admission's registry reads passed their budget of ${budget?.limit} bytes`;
  if (declared !== undefined && budget && !budget.fits(declared)) {
    refuse("BUDGET_EXCEEDED", `${declared} bytes announced; ${overBudget}`);
  }
  if (declared !== undefined && expectedSize !== undefined && declared !== expectedSize) {
    refuse("SIZE_MISMATCH", `${declared} bytes announced, the descriptor says ${expectedSize}`);
  }
  const chunks: Uint8Array[] = [];
  let count = 0;
  // A body stream does not always watch the request's signal; cancelling it ends a pending read.
  const onAbort = (): void => void reader?.cancel(op.signal.reason).catch(() => {});
  op.signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const chunk = await reader?.read();
      if (op.signal.aborted) throw op.signal.reason;
      if (!chunk || chunk.done) break;
      count += chunk.value.byteLength;
      if (count > maxBytes) refuse("TOO_LARGE", `more than the limit of ${maxBytes} bytes`);
      if (budget && !budget.take(chunk.value.byteLength)) refuse("BUDGET_EXCEEDED", overBudget);
      if (expectedSize !== undefined && count > expectedSize) {
        refuse("SIZE_MISMATCH", `more than the ${expectedSize} bytes the descriptor says`);
      }
      hasher?.update(chunk.value);
      chunks.push(chunk.value);
    }
  } catch (err) {
    // Fetch implementations error the stream ("terminated") when the peer closes early.
    if (!op.signal.aborted && !isOciError(err) && declared !== undefined && count < declared) {
      throw truncated(op, what, count, declared, err);
    }
    throw asOciError(op, err);
  } finally {
    op.signal.removeEventListener("abort", onAbort);
  }
  if (declared !== undefined && count !== declared) throw truncated(op, what, count, declared);
  if (expectedSize !== undefined && count !== expectedSize) {
    refuse("SIZE_MISMATCH", `${count} bytes, the descriptor says ${expectedSize}`);
  }
  return concatBytes(chunks, count);
}

function truncated(
  op: Operation,
  what: string,
  count: number,
  declared: number,
  cause?: unknown,
): Error {
  return opError(op, "TRUNCATED", `${what}: body ended after ${count} of ${declared} bytes`, {
    cause,
  });
}

/** Throws `DIGEST_MISMATCH` unless `actual` is `expected`. */
export function checkDigest(op: Operation, what: string, expected: string, actual: string): void {
  if (expected !== actual) {
    throw opError(
      op,
      "DIGEST_MISMATCH",
      `${what}: content digest is ${actual}, expected ${expected}`,
    );
  }
}

/** The `Content-Length` header as a number, undefined when absent or malformed. */
export function contentLength(res: Response): number | undefined {
  const value = res.headers.get("content-length");
  return value !== null && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

function streamingHasher(sha256: Sha256): Sha256Stream | undefined {
  try {
    return sha256.stream();
  } catch {
    return undefined;
  }
}
