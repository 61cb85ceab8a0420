import type { Fetch } from "../../../src/deps.ts";

export type Handler = (req: Request) => Response | Promise<Response>;

export interface LoggedRequest {
  method: string;
  url: URL;
  authorization: string | null;
  accept: string | null;
  body: string;
}

/**
 * A network in memory: `fetch` hands each Request to the handler of its
 * origin, honours the request's signal, and fails like a refused connection
 * for an origin nobody serves. Every request is logged.
 */
export class FakeNet {
  readonly log: LoggedRequest[] = [];
  readonly #routes = new Map<string, Handler>();

  route(origin: string, handler: Handler): this {
    this.#routes.set(new URL(origin).origin, handler);
    return this;
  }

  readonly fetch: Fetch = async (req) => {
    const url = new URL(req.url);
    this.log.push({
      method: req.method,
      url,
      authorization: req.headers.get("authorization"),
      accept: req.headers.get("accept"),
      body: req.body ? await req.clone().text() : "",
    });
    const { signal } = req;
    if (signal.aborted) throw signal.reason;
    const handler = this.#routes.get(url.origin);
    if (!handler) throw new TypeError(`fetch failed: connect ECONNREFUSED ${url.host}`);
    return new Promise<Response>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      Promise.resolve()
        .then(() => handler(req))
        .then(resolve, reject)
        .then(() => signal.removeEventListener("abort", onAbort));
    });
  };

  /** Requests whose path (and method, when given) match. */
  requests(pathPart: string, method?: string): LoggedRequest[] {
    return this.log.filter(
      (r) => r.url.pathname.includes(pathPart) && (method === undefined || r.method === method),
    );
  }
}

/** A handler that never answers: only the request's signal ends it. */
export const hang: Handler = () => new Promise<Response>(() => {});
