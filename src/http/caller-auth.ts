/**
 * Who may call the routes that run the engine (/validate, /mutate, /verify).
 * The check runs before any byte of the body is read. Without a configured
 * mode every call is refused: the app fails closed when its entry forgot to
 * say how callers are authenticated.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Sha256 } from "../digest/types.ts";
import { digestsEqual, sha256Text, type TokenSource } from "./bearer-token.ts";
import { errorBody } from "./json-error.ts";

export type CallerAuth =
  /**
   * `Authorization: Bearer TOKEN`, compared with the token in force; a
   * presented token is hashed with `sha256` when given (see sha256Text).
   */
  | { readonly mode: "bearer"; readonly token: TokenSource; readonly sha256?: Sha256 }
  /** The listener refuses every TLS connection without a client certificate its CA signed. */
  | { readonly mode: "client-certificate" }
  /** Open to anyone who can connect, by explicit choice of the operator. */
  | { readonly mode: "unauthenticated" };

/** RFC 6750 section 2.1: the scheme is case-insensitive, one token68 follows. */
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function requireCaller(auth: CallerAuth | undefined): MiddlewareHandler {
  return async (c, next) => (await callerRefusal(c, auth)) ?? next();
}

/** The 401 answer for a caller `auth` does not let in; undefined when it may call. */
export async function callerRefusal(
  c: Context,
  auth: CallerAuth | undefined,
): Promise<Response | undefined> {
  if (auth === undefined) {
    return unauthorized(c, "no caller authentication is configured, so every call is refused");
  }
  if (auth.mode !== "bearer") return undefined;
  const header = c.req.header("authorization");
  const presented = header === undefined ? undefined : BEARER.exec(header)?.[1];
  if (presented === undefined) {
    return unauthorized(
      c,
      header === undefined
        ? "an Authorization: Bearer token is required"
        : "the Authorization header is not a Bearer token",
    );
  }
  const given = await sha256Text(presented, auth.sha256);
  const expected = await auth.token.digest();
  if (!digestsEqual(expected, given)) {
    return unauthorized(c, "the bearer token is not the one configured", "invalid_token");
  }
  return undefined;
}

function unauthorized(c: Context, message: string, error?: "invalid_token"): Response {
  const challenge = `Bearer realm="imgverify"${error ? `, error="${error}"` : ""}`;
  c.header("WWW-Authenticate", challenge);
  return c.json(errorBody("UNAUTHORIZED", message), 401);
}
