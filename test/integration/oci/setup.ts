import { createHash } from "node:crypto";
import { type Deps, silentLogger, systemClock } from "../../../src/deps.ts";
import {
  type ImageReference,
  isOciError,
  type OciError,
  parseDockerConfig,
  parseReference,
  RegistryClient,
  type RegistryClientOptions,
  type RequestEvent,
} from "../../../src/oci/index.ts";
import { loadSha256 } from "../../../src/runtime/sha256-file.ts";
import type { Credentials, RegistryInfo } from "../../support/context.ts";
import { rejectionOf } from "../../support/errors.ts";

/**
 * The OCI client as the webhook builds it (global fetch, the system clock,
 * the runtime's default SHA-256), pointed at a harness registry, with every
 * HTTP exchange it makes recorded.
 */

const sha256 = await loadSha256(undefined, silentLogger);

export function nodeDeps(fetch: Deps["fetch"] = (request) => globalThis.fetch(request)): Deps {
  return { fetch, clock: systemClock, logger: silentLogger, sha256 };
}

export interface ClientSetup extends Partial<Omit<RegistryClientOptions, "credentials">> {
  /** Put in a Docker config.json; the registry's test user by default, `null` for none. */
  credentials?: Credentials | null;
  /** The config.json `auths` key of the credentials; default `registry.host`. */
  configKey?: string;
}

/** The hosts a client of `registry` must be allowed to reach over plain HTTP. */
export function insecureHosts(registry: RegistryInfo): string[] {
  const realm = registry.token?.realm;
  return realm === undefined ? [registry.host] : [registry.host, new URL(realm).host];
}

export function ownCredentials(registry: RegistryInfo): Credentials | null {
  const { username, password } = registry;
  return username === undefined || password === undefined ? null : { username, password };
}

/** A Docker `config.json` text naming `credentials` for `key` (a host or a URL). */
export function dockerConfigText(key: string, credentials: Credentials): string {
  const { username, password } = credentials;
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  return JSON.stringify({ auths: { [key]: { auth } } }, null, 2);
}

/** A request as handed to fetch: full URL (query included) and its Authorization header. */
export interface SentRequest {
  method: string;
  url: URL;
  authorization: string | null;
}

export interface RecordingClient {
  client: RegistryClient;
  /** Every exchange so far, in order, as `onRequest` reports it (the query left out). */
  events: RequestEvent[];
  /** Every request the client handed to fetch. */
  sent: SentRequest[];
}

/**
 * A client of `registry` (at `registry.host`: pass a proxy's host to go
 * through it), allowed to reach it and its token realm over plain HTTP.
 */
export function recordingClient(registry: RegistryInfo, setup: ClientSetup = {}): RecordingClient {
  const { credentials = ownCredentials(registry), configKey = registry.host, ...options } = setup;
  const events: RequestEvent[] = [];
  const sent: SentRequest[] = [];
  const fetch = (request: Request): Promise<Response> => {
    const authorization = request.headers.get("authorization");
    sent.push({ method: request.method, url: new URL(request.url), authorization });
    return globalThis.fetch(request);
  };
  const client = new RegistryClient({
    deps: nodeDeps(fetch),
    insecureRegistries: insecureHosts(registry),
    ...(credentials && {
      credentials: parseDockerConfig(dockerConfigText(configKey, credentials)),
    }),
    ...options,
    onRequest: (event) => events.push(event),
  });
  return { client, events, sent };
}

/** `host/repository:tag` or `host/repository@digest` on `registry`. */
export function imageRef(
  registry: RegistryInfo,
  repository: string,
  tagOrDigest: string,
): ImageReference {
  const separator = tagOrDigest.includes(":") ? "@" : ":";
  return parseReference(`${registry.host}/${repository}${separator}${tagOrDigest}`);
}

/** `METHOD path STATUS` lines of `events` on `registry`, for readable expectations. */
export function exchanges(events: readonly RequestEvent[]): string[] {
  return events.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status ?? "-"}`);
}

/** The `OciError` `promise` rejects with; anything else fails the test. */
export const failure = (promise: Promise<unknown>): Promise<OciError> =>
  rejectionOf(promise, isOciError);

/** SHA-256 by node:crypto, independent of the digest code under test. */
export function nodeDigest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
