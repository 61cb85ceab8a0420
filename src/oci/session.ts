import type { Deps } from "../deps.ts";
import type { Authenticator } from "./auth/auth.ts";
import type { Flights } from "./flights.ts";
import type { Operation } from "./operation.ts";
import type { RegistryLimits } from "./options.ts";
import type { Repository } from "./reference.ts";
import type { AddressPolicy } from "./transport/address-policy.ts";
import { errorFromResponse } from "./transport/registry-error.ts";
import { show } from "./transport/transport.ts";

/** What the fetching modules share: the client's parts for one store. */
export interface Session {
  readonly deps: Deps;
  readonly limits: RegistryLimits;
  readonly policy: AddressPolicy;
  readonly auth: Authenticator;
  readonly flights: Flights;
}

/** The auth scope for reading `repo`. */
export function pullScope(repo: Repository): string {
  return `repository:${repo.repository}:pull`;
}

/** `<registry API>/v2/<repository>/<path>`; names and references are validated before. */
export function repositoryUrl(session: Session, repo: Repository, path: string): URL {
  return new URL(`${session.policy.registryUrl(repo.registry)}v2/${repo.repository}/${path}`);
}

/** A flight key: what is fetched, with the scope it is fetched under. */
export function flightKey(kind: string, method: string, url: URL, repo: Repository): string {
  return `${kind} ${method} ${url.href} ${pullScope(repo)}`;
}

/** Sends an authorised read of `repo`; a status other than 2xx (or one `passStatus` accepts) is thrown. */
export async function pull(
  session: Session,
  repo: Repository,
  request: { method: "GET" | "HEAD"; url: URL; accept?: string },
  op: Operation,
  passStatus?: (status: number) => boolean,
): Promise<Response> {
  const { method, url, accept } = request;
  const headers = accept === undefined ? undefined : { accept };
  const res = await session.auth.send(
    { method, url, ...(headers && { headers }) },
    repo.registry,
    pullScope(repo),
    op,
    session.flights,
  );
  if (res.ok || passStatus?.(res.status)) return res;
  throw await errorFromResponse(op, res, `${method} ${show(url)}`);
}
