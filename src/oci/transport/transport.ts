import type { Fetch, Logger } from "../../deps.ts";
import { asOciError, type Operation, opError } from "../operation.ts";
import type { AddressPolicy } from "./address-policy.ts";
import { errorFromResponse } from "./registry-error.ts";

/**
 * One logical HTTP request: the address policy on every URL, redirects
 * followed by hand (bounded, no downgrade, `Authorization` only to the origin
 * it was meant for, a 401 from another origin refused), bodies asked for and
 * accepted only uncompressed, and 429/503 retried with bounded back-off that honours
 * `Retry-After` and never sleeps past the operation's deadline.
 */

export interface OutgoingRequest {
  method: "GET" | "HEAD" | "POST";
  url: URL;
  headers?: Record<string, string>;
  /** Sent to `url`'s origin only; a redirect to another origin goes without it. */
  authorization?: string | undefined;
  /** Form body of a POST (not redirected). */
  body?: URLSearchParams;
}

export interface TransportOptions {
  fetch: Fetch;
  logger: Logger;
  policy: AddressPolicy;
  maxRedirects: number;
  /** Attempts per request when the registry answers 429 or 503. */
  maxAttempts: number;
  /** Longest back-off the client waits; a longer `Retry-After` ends the retries. */
  maxRetryDelayMs: number;
}

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const RETRIED: ReadonlySet<number> = new Set([429, 503]);
const FIRST_BACKOFF_MS = 500;

export class Transport {
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  /** The final response, any status but a redirect; a 429/503 is thrown once retries end. */
  async send(req: OutgoingRequest, op: Operation): Promise<Response> {
    const { maxAttempts, maxRetryDelayMs, logger } = this.#options;
    for (let attempt = 1; ; attempt++) {
      const res = await this.#follow(req, op);
      if (!RETRIED.has(res.status)) return res;
      const delay = retryDelay(res, attempt, op.clock.now());
      const described = `${req.method} ${show(req.url)}`;
      if (attempt >= maxAttempts) {
        throw await errorFromResponse(op, res, described, `gave up after ${attempt} attempts`);
      }
      if (delay > maxRetryDelayMs) {
        const note = `the registry asks to wait ${delay} ms, longer than the ${maxRetryDelayMs} ms allowed`;
        throw await errorFromResponse(op, res, described, note);
      }
      if (op.clock.now() + delay >= op.deadline) {
        throw await errorFromResponse(
          op,
          res,
          described,
          `retrying in ${delay} ms would pass the deadline`,
        );
      }
      await res.body?.cancel().catch(() => {});
      logger.debug("registry asked to retry", { request: described, status: res.status, delay });
      try {
        await op.clock.sleep(delay, op.signal);
      } catch (err) {
        throw asOciError(op, err);
      }
    }
  }

  async #follow(req: OutgoingRequest, op: Operation): Promise<Response> {
    const { fetch, policy } = this.#options;
    let url = req.url;
    for (let hop = 0; ; hop++) {
      const refusal = policy.refusal(url);
      if (refusal) throw opError(op, "ADDRESS_REFUSED", `refusing ${show(url)}: ${refusal}`);
      const headers = new Headers(req.headers);
      // A compressed body would be inflated by fetch past every byte limit.
      headers.set("accept-encoding", "identity");
      if (req.authorization && url.origin === req.url.origin) {
        headers.set("authorization", req.authorization);
      }
      const init = { method: req.method, headers, body: req.body ?? null, signal: op.signal };
      let res: Response;
      try {
        res = await fetch(new Request(url, { ...init, redirect: "manual" }));
      } catch (err) {
        op.observe({ method: req.method, url: show(url), status: undefined });
        throw asOciError(op, err);
      }
      op.observe({ method: req.method, url: show(url), status: res.status });
      if (res.type === "opaqueredirect") {
        throw opError(
          op,
          "REDIRECT_REFUSED",
          `${show(url)} redirects, and this runtime hides where to`,
        );
      }
      if (!REDIRECTS.has(res.status)) return checked(res, req.url, url, op);
      await res.body?.cancel().catch(() => {});
      url = this.#redirectTarget(req, url, res.headers.get("location"), hop, op);
    }
  }

  #redirectTarget(
    req: OutgoingRequest,
    from: URL,
    location: string | null,
    hop: number,
    op: Operation,
  ): URL {
    const refuse = (why: string): never => {
      throw opError(op, "REDIRECT_REFUSED", `redirect from ${show(from)} refused: ${why}`);
    };
    if (hop >= this.#options.maxRedirects) {
      return refuse(`more than ${this.#options.maxRedirects} redirects`);
    }
    if (req.method === "POST") return refuse("a POST is not redirected");
    if (location === null || !URL.canParse(location, from)) {
      return refuse("no valid Location header");
    }
    const to = new URL(location, from);
    if (from.protocol === "https:" && to.protocol === "http:") {
      return refuse(`downgrade from HTTPS to ${show(to)}`);
    }
    return to;
  }
}

/**
 * `res` unless it must be refused: a 401 from another origin a redirect led
 * to (its challenge is never answered with the registry's credentials), or a
 * body in a `Content-Encoding` other than identity.
 */
async function checked(res: Response, asked: URL, url: URL, op: Operation): Promise<Response> {
  const encoding = res.headers.get("content-encoding")?.trim().toLowerCase();
  const refuse = async (code: "REDIRECT_UNAUTHORIZED" | "ENCODING_REFUSED", why: string) => {
    await res.body?.cancel().catch(() => {});
    throw opError(op, code, `${show(url)} ${why}`, { status: res.status });
  };
  if (res.status === 401 && url.origin !== asked.origin) {
    return refuse(
      "REDIRECT_UNAUTHORIZED",
      `(redirected to from ${asked.origin}) answered HTTP 401; a redirect target's challenge is not answered`,
    );
  }
  if (encoding && encoding !== "identity") {
    return refuse(
      "ENCODING_REFUSED",
      `answered with Content-Encoding "${encoding}" although identity was asked for; compressed bodies are refused`,
    );
  }
  return res;
}

/** Milliseconds to wait before the next attempt: `Retry-After` (seconds or date), else back-off. */
function retryDelay(res: Response, attempt: number, now: number): number {
  const header = res.headers.get("retry-after")?.trim();
  if (header && /^\d+$/.test(header)) return Number(header) * 1000;
  const date = header ? Date.parse(header) : Number.NaN;
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  return FIRST_BACKOFF_MS * 2 ** (attempt - 1);
}

/** A URL for messages and events: origin and path, without the query. */
export function show(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
