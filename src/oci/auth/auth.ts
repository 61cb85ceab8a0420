import type { TtlCache } from "../../store/ttl-cache.ts";
import { isOciError } from "../errors.ts";
import type { Flights } from "../flights.ts";
import { type Operation, opError } from "../operation.ts";
import { type OutgoingRequest, show, type Transport } from "../transport/transport.ts";
import { type Challenge, parseChallenges } from "./challenge.ts";
import {
  type CredentialHelperRef,
  type CredentialLookup,
  type CredentialSource,
  firstCredentials,
} from "./credentials.ts";
import { realmTrusted, withheldReason } from "./realm-trust.ts";
import { basicAuthorization, type IssuedToken, requestToken } from "./token.ts";

/**
 * Registry authentication. A request goes out with what the registry's last
 * challenge asked for (a cached bearer token for the scope, or Basic); a 401
 * is answered once: parse the challenge, get a token for the scope from the
 * realm it names (or use Basic), send again.
 */

export interface AuthenticatorOptions {
  transport: Transport;
  credentials: CredentialSource | undefined;
  /** Bearer tokens by realm, service, scope and principal. */
  tokens: TtlCache<string, string>;
  /** The last challenge of each registry origin, to skip the 401 round trip next time. */
  challenges: TtlCache<string, Challenge>;
}

/** One request's authorisation: where it goes, for what, under which operation and store. */
interface Attempt {
  readonly registry: string;
  readonly scope: string;
  readonly op: Operation;
  readonly flights: Flights;
}

export class Authenticator {
  readonly #options: AuthenticatorOptions;
  /** Names the credential set in token keys: a token serves only the credentials it was issued to. */
  readonly #setName: string;

  constructor(options: AuthenticatorOptions, setName = "") {
    this.#options = options;
    this.#setName = setName;
  }

  /**
   * An authenticator sharing this one's transport, tokens and challenges that
   * asks `credentials` first and this one's own after; `setName` tells its
   * tokens apart from those of every other set.
   */
  withCredentials(credentials: CredentialSource, setName: string): Authenticator {
    const own = this.#options.credentials;
    const layered = own === undefined ? credentials : firstCredentials([credentials, own]);
    return new Authenticator({ ...this.#options, credentials: layered }, setName);
  }

  /** Sends `req` to `registry` authorised for `scope` (e.g. `repository:a/b:pull`). */
  async send(
    req: OutgoingRequest,
    registry: string,
    scope: string,
    op: Operation,
    flights: Flights,
  ): Promise<Response> {
    const { transport, challenges } = this.#options;
    const origin = req.url.origin;
    const known = challenges.get(origin);
    // Unasked, Basic goes out only with credentials: other repositories may be public.
    const unaskedBasic = known?.scheme === "basic" && this.#lookup(registry)?.kind !== "basic";
    const attempt: Attempt = { registry, scope, op, flights };
    const first =
      known && !unaskedBasic ? await this.#authorization(known, attempt, false) : undefined;
    const res = await transport.send({ ...req, authorization: first }, op);
    if (res.status !== 401) return res;
    const header = res.headers.get("www-authenticate");
    const challenge = header === null ? undefined : pickChallenge(parseOrFail(header, op));
    if (!challenge) return res;
    await res.body?.cancel().catch(() => {});
    challenges.set(origin, challenge);
    // A rejected token is not asked for again from the cache.
    const second = await this.#authorization(challenge, attempt, first !== undefined);
    const retried = await transport.send({ ...req, authorization: second }, op);
    const lookup = this.#lookup(registry);
    if (retried.status === 401 && lookup?.kind === "helper") {
      throw helperRefusal(op, registry, lookup);
    }
    return retried;
  }

  #authorization(challenge: Challenge, attempt: Attempt, renew: boolean): Promise<string> {
    const lookup = this.#lookup(attempt.registry);
    if (challenge.scheme === "basic") {
      return Promise.resolve(basic(lookup, attempt.registry, attempt.op));
    }
    return this.#bearer(challenge, lookup, attempt, renew);
  }

  async #bearer(
    challenge: Challenge,
    lookup: CredentialLookup,
    attempt: Attempt,
    renew: boolean,
  ): Promise<string> {
    const { registry, scope, op, flights } = attempt;
    const realm = challenge.params.realm ?? "";
    if (!URL.canParse(realm)) {
      const detail = `${registry} names the token realm "${realm}", not a URL`;
      throw opError(op, "AUTH_CHALLENGE_INVALID", detail);
    }
    const realmUrl = new URL(realm);
    const service = challenge.params.service;
    // A helper's credentials are out of reach, and a realm on another host gets none
    // unless trusted: try anonymously, refuse with the reason if that is not enough.
    const configured = lookup?.kind === "helper" ? undefined : lookup;
    const withheld = configured !== undefined && !realmTrusted(registry, configured, realmUrl);
    const credential = withheld ? undefined : configured;
    // Who asked and as whom, never the secret: a token serves only that registry and principal.
    const principal = credential
      ? `${this.#setName}/${credential.kind}:${credential.username ?? ""}`
      : "anonymous";
    const key = `${registry} ${principal} ${show(realmUrl)} ${service ?? ""} ${scope}`;
    const { tokens, transport } = this.#options;
    if (renew) tokens.delete(key);
    const cached = tokens.get(key);
    if (cached !== undefined) return `Bearer ${cached}`;
    const method = credential?.kind === "identity-token" ? "POST" : "GET";
    const flightKey = `token ${method} ${key}${renew ? " renewed" : ""}`;
    const load = (): Promise<IssuedToken> =>
      requestToken(transport, op, { realm: realmUrl, service, scope, credential });
    const issued = await flights.run(flightKey, op, load).catch((err: unknown) => {
      if (!isOciError(err, "UNAUTHORIZED")) throw err;
      if (lookup?.kind === "helper") throw helperRefusal(op, registry, lookup);
      if (withheld) {
        throw opError(op, "CREDENTIALS_WITHHELD", withheldReason(registry, realmUrl), {
          cause: err,
        });
      }
      throw err;
    });
    tokens.set(key, issued.token, issued.ttlMs);
    return `Bearer ${issued.token}`;
  }

  #lookup(registry: string): CredentialLookup {
    return this.#options.credentials?.lookup(registry);
  }
}

/** Bearer with a realm is preferred to Basic; other schemes are not spoken. */
function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return (
    challenges.find((c) => c.scheme === "bearer" && c.params.realm !== undefined) ??
    challenges.find((c) => c.scheme === "basic")
  );
}

/** The HTTP Basic answer, when the configured credential is a username and password. */
function basic(lookup: CredentialLookup, registry: string, op: Operation): string {
  if (lookup?.kind === "basic") return basicAuthorization(lookup.username, lookup.password);
  if (lookup?.kind === "helper") throw helperRefusal(op, registry, lookup);
  const detail = `${registry} asks for a username and password, and none is configured for it`;
  throw opError(op, "UNAUTHORIZED", detail);
}

function parseOrFail(header: string, op: Operation): Challenge[] {
  try {
    return parseChallenges(header);
  } catch (err) {
    throw opError(op, "AUTH_CHALLENGE_INVALID", (err as Error).message, { cause: err });
  }
}

function helperRefusal(op: Operation, registry: string, lookup: CredentialHelperRef): Error {
  return opError(
    op,
    "CREDENTIAL_HELPER_UNSUPPORTED",
    `${registry} needs credentials, and the Docker config keeps them in the credential helper ` +
      `"${lookup.helper}" (${lookup.setting}), which imgverify does not run; ` +
      `give ${registry} an "auths" entry with a username and password or identity token`,
  );
}
