/**
 * The bearer token callers of the webhook must present: given once, or read
 * from a file that is read again (at most once per interval) so a rotated
 * Secret takes effect without a restart. Only the token's SHA-256 is kept;
 * comparing digests of equal length in constant time leaks neither the
 * token's content nor its length through timing.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesEqualConstantTime } from "../crypto/bytes.ts";
import type { Clock, Logger } from "../deps.ts";
import type { Sha256 } from "../digest/types.ts";
import { ImgverifyError } from "../errors.ts";

export type AuthTokenErrorCode = "AUTH_TOKEN_INVALID" | "AUTH_TOKEN_UNREADABLE";

/** The token in force, as its SHA-256 digest. */
export interface TokenSource {
  digest(): Promise<Uint8Array>;
}

/** Short tokens can be guessed; 16 characters of a random hex string carry 64 bits. */
export const MIN_TOKEN_LENGTH = 16;
/** How often a token file is read again. */
export const TOKEN_FILE_INTERVAL_MS = 1000;

/**
 * `text` trimmed of surrounding white space (files end in a newline), or an
 * `AUTH_TOKEN_INVALID` error naming `source` and what is wrong; the message
 * never quotes the token.
 */
export function readToken(text: string, source: string): string {
  const token = text.trim();
  if (token.length === 0) {
    throw new ImgverifyError<AuthTokenErrorCode>("AUTH_TOKEN_INVALID", `${source} is empty`);
  }
  // Visible ASCII only: the token travels in an HTTP header as is.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new ImgverifyError<AuthTokenErrorCode>(
      "AUTH_TOKEN_INVALID",
      `${source} holds white space or characters outside visible ASCII`,
    );
  }
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ImgverifyError<AuthTokenErrorCode>(
      "AUTH_TOKEN_INVALID",
      `${source} is ${token.length} characters long; at least ${MIN_TOKEN_LENGTH} are needed`,
    );
  }
  return token;
}

const utf8 = new TextEncoder();

/**
 * Synchronous on purpose: WebCrypto's digest waits in the same worker pool as
 * the signature checks of every admission in flight, and a caller's token
 * must not queue behind them. `fast`, a streaming SHA-256 (the WASM core),
 * takes a third of @noble/hashes' time on a token; without one, or when it
 * cannot stream, @noble/hashes hashes it.
 */
export async function sha256Text(text: string, fast?: Sha256): Promise<Uint8Array> {
  const bytes = utf8.encode(text);
  if (fast !== undefined && fast.impl !== "webcrypto") {
    const hasher = fast.stream();
    hasher.update(bytes);
    return hasher.digest();
  }
  return sha256(bytes);
}

/** True when `a` and `b` are equal, in time that depends on their length only. */
export const digestsEqual: (a: Uint8Array, b: Uint8Array) => boolean = bytesEqualConstantTime;

/** A token that never changes (`IMGVERIFY_AUTH_TOKEN`). */
export async function fixedToken(text: string, source: string): Promise<TokenSource> {
  const digest = await sha256Text(readToken(text, source));
  return { digest: async () => digest };
}

export interface TokenFileOptions {
  /** The file's text; rejects when it cannot be read. */
  read(): Promise<string>;
  /** Names the file in errors and logs. */
  source: string;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
}

/**
 * A token read from a file now (failing with a coded error when it cannot be
 * read or holds no valid token) and again on use once `intervalMs` has passed.
 * A read that fails later keeps the last good token and is logged: a Secret
 * being rewritten must not lock the API server out.
 */
export async function tokenFile(options: TokenFileOptions): Promise<TokenSource> {
  const { clock, logger, source } = options;
  const intervalMs = options.intervalMs ?? TOKEN_FILE_INTERVAL_MS;
  const load = async (): Promise<Uint8Array> => {
    let text: string;
    try {
      text = await options.read();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new ImgverifyError<AuthTokenErrorCode>(
        "AUTH_TOKEN_UNREADABLE",
        `cannot read ${source}: ${reason}`,
        { cause: err },
      );
    }
    return sha256Text(readToken(text, source));
  };
  let current = await load();
  let checkedAt = clock.now();
  let reading: Promise<void> | undefined;
  const reread = async (): Promise<void> => {
    try {
      const next = await load();
      if (!digestsEqual(next, current)) logger.info("auth token reloaded", { source });
      current = next;
    } catch (err) {
      const code = err instanceof ImgverifyError ? err.code : "AUTH_TOKEN_UNREADABLE";
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn("auth token not reloaded; the last good one stays in force", { code, reason });
    } finally {
      checkedAt = clock.now();
      reading = undefined;
    }
  };
  return {
    async digest() {
      if (reading === undefined && clock.now() - checkedAt >= intervalMs) reading = reread();
      if (reading !== undefined) await reading;
      return current;
    },
  };
}
