import { createHash } from "node:crypto";
import type { Credentials, RegistryInfo } from "./context.ts";

/**
 * A deliberately small Distribution API client for test setup and checks,
 * independent of the code under test: answers 401 challenges with Basic
 * credentials or a Bearer token from the challenge's realm.
 */

export const MANIFEST_MEDIA_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
] as const;

const REQUEST_TIMEOUT_MS = 15_000;

export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

export interface Manifest extends ManifestHead {
  bytes: Uint8Array;
  json: unknown;
}

export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** `key="value"` pairs of a WWW-Authenticate challenge, keyed by lower-case name. */
export function parseChallenge(header: string): { scheme: string; params: Map<string, string> } {
  const space = header.indexOf(" ");
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params = new Map<string, string>();
  for (const match of header.slice(space + 1).matchAll(/([A-Za-z_]+)="([^"]*)"/g)) {
    params.set((match[1] ?? "").toLowerCase(), match[2] ?? "");
  }
  return { scheme, params };
}

function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}

export class RegistryClient {
  readonly registry: RegistryInfo;
  private readonly credentials: Credentials | null;
  /** Authorization header per scope, learnt from the last challenge. */
  private readonly authorizations = new Map<string, string>();

  /** `credentials`: defaults to the registry's test user; `null` stays anonymous. */
  constructor(registry: RegistryInfo, credentials?: Credentials | null) {
    this.registry = registry;
    const own =
      registry.username !== undefined && registry.password !== undefined
        ? { username: registry.username, password: registry.password }
        : null;
    this.credentials = credentials === undefined ? own : credentials;
  }

  /** Fetches `path` (starting with /v2/), answering one auth challenge for `scope`. */
  async fetch(path: string, init: RequestInit = {}, scope = ""): Promise<Response> {
    const url = new URL(path, this.registry.url);
    const send = (authorization: string | undefined): Promise<Response> => {
      const headers = new Headers(init.headers);
      if (authorization) headers.set("authorization", authorization);
      return fetch(url, { ...init, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    };
    const cached = this.authorizations.get(scope);
    const first = await send(cached);
    const challenge = first.headers.get("www-authenticate");
    if (first.status !== 401 || challenge === null) return first;
    await first.body?.cancel();
    const authorization = await this.answer(challenge, scope);
    this.authorizations.set(scope, authorization);
    return send(authorization);
  }

  private async answer(challenge: string, scope: string): Promise<string> {
    const { scheme, params } = parseChallenge(challenge);
    if (scheme === "basic") {
      if (!this.credentials)
        throw new Error(`${this.registry.host} wants Basic auth; no credentials`);
      return basicHeader(this.credentials);
    }
    const realm = params.get("realm");
    if (scheme !== "bearer" || realm === undefined) {
      throw new Error(`${this.registry.host}: unsupported challenge ${challenge}`);
    }
    const tokenUrl = new URL(realm);
    const service = params.get("service");
    if (service !== undefined) tokenUrl.searchParams.set("service", service);
    if (scope) tokenUrl.searchParams.set("scope", scope);
    const res = await fetch(tokenUrl, {
      headers: this.credentials ? { authorization: basicHeader(this.credentials) } : {},
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!res.ok)
      throw new Error(`token request ${tokenUrl} failed: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new Error(`token response from ${realm} has no token`);
    return `Bearer ${token}`;
  }

  async headManifest(repository: string, reference: string): Promise<ManifestHead> {
    const res = await this.fetch(
      `/v2/${repository}/manifests/${reference}`,
      { method: "HEAD", headers: { accept: MANIFEST_MEDIA_TYPES.join(", ") } },
      `repository:${repository}:pull`,
    );
    if (res.status !== 200) {
      throw new Error(`HEAD ${this.registry.host}/${repository}:${reference} -> ${res.status}`);
    }
    return {
      digest: res.headers.get("docker-content-digest") ?? "",
      mediaType: res.headers.get("content-type") ?? "",
      size: Number(res.headers.get("content-length")),
    };
  }

  async getManifest(repository: string, reference: string): Promise<Manifest> {
    const res = await this.fetch(
      `/v2/${repository}/manifests/${reference}`,
      { headers: { accept: MANIFEST_MEDIA_TYPES.join(", ") } },
      `repository:${repository}:pull`,
    );
    if (res.status !== 200) {
      throw new Error(`GET ${this.registry.host}/${repository}:${reference} -> ${res.status}`);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = sha256Digest(bytes);
    const reported = res.headers.get("docker-content-digest");
    if (reported !== null && reported !== digest) {
      throw new Error(`${this.registry.host}/${repository}:${reference}: ${reported} != ${digest}`);
    }
    return {
      digest,
      mediaType: res.headers.get("content-type") ?? "",
      size: bytes.byteLength,
      bytes,
      json: JSON.parse(new TextDecoder().decode(bytes)),
    };
  }
}
