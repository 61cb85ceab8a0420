import { type Operation, opError } from "../operation.ts";
import { readBody } from "../transport/body.ts";
import { errorFromResponse } from "../transport/registry-error.ts";
import { type OutgoingRequest, show, type Transport } from "../transport/transport.ts";
import type { RegistryCredential } from "./credentials.ts";

/**
 * The Distribution token exchange: anonymous or HTTP-Basic `GET` on the realm,
 * or an OAuth2 `POST` with `grant_type=refresh_token` when the credential is
 * an identity token. The realm comes from the registry's challenge only.
 */

export interface TokenRequest {
  realm: URL;
  service: string | undefined;
  /** E.g. `repository:library/nginx:pull`. */
  scope: string;
  credential: RegistryCredential | undefined;
}

export interface IssuedToken {
  token: string;
  /** How long to keep it: its lifetime less a safety margin. */
  ttlMs: number;
}

const TOKEN_BODY_LIMIT = 256 * 1024;
/** The token spec's default lifetime when `expires_in` is absent. */
const DEFAULT_EXPIRES_IN_S = 60;
/** Renew this long before expiry, so a token never expires on the way. */
const EXPIRY_MARGIN_MS = 10_000;
const CLIENT_ID = "imgverify";
/** Visible ASCII only: a token goes into a header. */
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

export async function requestToken(
  transport: Transport,
  op: Operation,
  req: TokenRequest,
): Promise<IssuedToken> {
  const outgoing = tokenHttpRequest(req);
  const described = `token endpoint ${show(req.realm)}`;
  const res = await transport.send(outgoing, op);
  if (!res.ok) {
    const who = req.credential
      ? `the credentials of ${req.credential.username ?? "the identity token"}`
      : "anonymous access";
    throw await errorFromResponse(
      op,
      res,
      described,
      res.status === 401 ? `it refused ${who}` : undefined,
    );
  }
  const bytes = await readBody(res, op, {
    what: `${described} response`,
    maxBytes: TOKEN_BODY_LIMIT,
  });
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown } | null;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw opError(op, "TOKEN_INVALID", `${described} answered with something other than JSON`, {
      cause,
    });
  }
  const token = body?.token || body?.access_token;
  if (typeof token !== "string" || !TOKEN_SHAPE.test(token)) {
    throw opError(
      op,
      "TOKEN_INVALID",
      `${described} answered without a usable token or access_token`,
    );
  }
  const expiresIn =
    typeof body?.expires_in === "number" && body.expires_in > 0
      ? body.expires_in
      : DEFAULT_EXPIRES_IN_S;
  return { token, ttlMs: Math.max(0, expiresIn * 1000 - EXPIRY_MARGIN_MS) };
}

function tokenHttpRequest({ realm, service, scope, credential }: TokenRequest): OutgoingRequest {
  if (credential?.kind === "identity-token") {
    const body = new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: credential.identityToken,
    });
    if (service !== undefined) body.set("service", service);
    body.set("scope", scope);
    body.set("client_id", CLIENT_ID);
    return { method: "POST", url: realm, body };
  }
  const url = new URL(realm);
  if (service !== undefined) url.searchParams.set("service", service);
  url.searchParams.set("scope", scope);
  const authorization = credential
    ? basicAuthorization(credential.username, credential.password)
    : undefined;
  return { method: "GET", url, authorization };
}

/** `Basic base64(user:password)`, UTF-8 encoded. */
export function basicAuthorization(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}
