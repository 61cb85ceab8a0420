import { sha256 } from "@noble/hashes/sha2.js";
import type { Descriptor } from "../../../src/oci/index.ts";
import { OCI_INDEX, OCI_MANIFEST } from "../../../src/oci/index.ts";
import type { FakeNet } from "./fake-net.ts";

/**
 * An in-memory Distribution registry for unit tests: manifests, blobs, tag
 * lists with `Link` pagination, an optional OCI 1.1 referrers API, and Basic
 * or Bearer auth with its own token server at another origin.
 */

export interface FakeRegistryOptions {
  auth?: "none" | "basic" | "bearer";
  /** username -> password, for Basic and the token server. */
  users?: Record<string, string>;
  /** identity (refresh) token -> username, for the token server's POST. */
  refreshTokens?: Record<string, string>;
  realm?: string;
  service?: string;
  /** Whether anonymous tokens grant pull (default true). */
  anonymousPull?: boolean;
  referrersApi?: boolean;
  /** Whether the referrers API filters by artifactType itself (default true). */
  referrersFilter?: boolean;
  /** Whether HEAD answers carry Docker-Content-Digest (default true). */
  headDigest?: boolean;
  tagPageSize?: number;
  tokenField?: "token" | "access_token";
  expiresIn?: number;
  /** Origin of object storage that blob GETs are redirected to. */
  blobStorage?: string;
}

interface Stored {
  bytes: Uint8Array;
  mediaType: string;
}

export const encoder: TextEncoder = new TextEncoder();

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${Buffer.from(sha256(bytes)).toString("hex")}`;
}

export class FakeRegistry {
  readonly origin: string;
  readonly options: FakeRegistryOptions;
  readonly #manifests = new Map<string, Map<string, Stored>>();
  readonly #tags = new Map<string, Map<string, string>>();
  readonly #blobs = new Map<string, Uint8Array>();
  readonly #tokens = new Map<string, { scopes: string[]; user: string | undefined }>();
  #issued = 0;

  constructor(origin: string, options: FakeRegistryOptions = {}) {
    this.origin = origin;
    this.options = {
      realm: "https://auth.example.test/token",
      service: "fake-registry",
      ...options,
    };
  }

  /** Serves the registry, its token realm and its blob storage on `net`. */
  attach(net: FakeNet): this {
    net.route(this.origin, (req) => this.handle(req));
    if (this.options.auth === "bearer")
      net.route(this.options.realm ?? "", (req) => this.token(req));
    if (this.options.blobStorage) net.route(this.options.blobStorage, (req) => this.storage(req));
    return this;
  }

  pushBlob(
    repo: string,
    content: Uint8Array | string,
    mediaType = "application/octet-stream",
  ): Descriptor {
    const bytes = typeof content === "string" ? encoder.encode(content) : content;
    const digest = digestOf(bytes);
    this.#blobs.set(`${repo}@${digest}`, bytes);
    return { mediaType, digest, size: bytes.byteLength };
  }

  pushManifest(
    repo: string,
    content: object | Uint8Array,
    options: { mediaType?: string; tags?: string[] } = {},
  ): Descriptor {
    const bytes = content instanceof Uint8Array ? content : encoder.encode(JSON.stringify(content));
    const declared =
      content instanceof Uint8Array ? undefined : (content as { mediaType?: string }).mediaType;
    const mediaType = options.mediaType ?? declared ?? OCI_MANIFEST;
    const digest = digestOf(bytes);
    mapOf(this.#manifests, repo).set(digest, { bytes, mediaType });
    for (const tag of options.tags ?? []) mapOf(this.#tags, repo).set(tag, digest);
    return { mediaType, digest, size: bytes.byteLength };
  }

  /** Forgets every token issued, as after a key rotation. */
  revokeTokens(): void {
    this.#tokens.clear();
  }

  async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const match = /^\/v2\/(.+)\/(manifests|blobs|tags|referrers)\/([^/]+)$/.exec(url.pathname);
    if (!match) {
      return new Response("404 page not found\n", {
        status: 404,
        headers: { "content-type": "text/plain" },
      });
    }
    const [, name = "", kind, target = ""] = match;
    if (kind === "referrers" && !this.options.referrersApi) {
      return new Response("404 page not found\n", {
        status: 404,
        headers: { "content-type": "text/plain" },
      });
    }
    const denied = this.#authorize(req, name);
    if (denied) return denied;
    if (kind === "manifests") return this.#manifest(req, name, target);
    if (kind === "blobs") return this.#blob(name, target);
    if (kind === "tags") return this.#tagList(url, name);
    return this.#referrers(url, name, target);
  }

  #authorize(req: Request, name: string): Response | undefined {
    const { auth = "none", users = {}, realm, service, anonymousPull = true } = this.options;
    const header = req.headers.get("authorization") ?? "";
    const scope = `repository:${name}:pull`;
    if (auth === "basic") {
      const [user, pass] = Buffer.from(header.replace(/^Basic /, ""), "base64")
        .toString()
        .split(":");
      if (header.startsWith("Basic ") && user !== undefined && users[user] === pass) {
        return undefined;
      }
      return unauthorized('Basic realm="fake registry"');
    }
    if (auth === "bearer") {
      const token = this.#tokens.get(header.replace(/^Bearer /, ""));
      if (token?.scopes.includes(scope) && (token.user !== undefined || anonymousPull)) {
        return undefined;
      }
      return unauthorized(`Bearer realm="${realm}",service="${service}",scope="${scope}"`);
    }
    return undefined;
  }

  #manifest(req: Request, name: string, target: string): Response {
    const digest = target.startsWith("sha256:") ? target : this.#tags.get(name)?.get(target);
    const stored = digest === undefined ? undefined : this.#manifests.get(name)?.get(digest);
    if (!stored || digest === undefined) {
      return distributionError(404, "MANIFEST_UNKNOWN", "manifest unknown");
    }
    const headers: Record<string, string> = {
      "content-type": stored.mediaType,
      "content-length": String(stored.bytes.byteLength),
    };
    if (req.method === "GET" || this.options.headDigest !== false)
      headers["docker-content-digest"] = digest;
    return new Response(req.method === "HEAD" ? null : stored.bytes.slice(), { headers });
  }

  #blob(name: string, digest: string): Response {
    const bytes = this.#blobs.get(`${name}@${digest}`);
    if (!bytes) return distributionError(404, "BLOB_UNKNOWN", "blob unknown to registry");
    const storage = this.options.blobStorage;
    if (storage) {
      return new Response(null, {
        status: 307,
        headers: { location: `${storage}/blobs/${name}@${digest}?sig=s3cr3t` },
      });
    }
    return new Response(bytes.slice(), { headers: { "content-length": String(bytes.byteLength) } });
  }

  storage(req: Request): Response {
    const key = decodeURIComponent(new URL(req.url).pathname.replace(/^\/blobs\//, ""));
    const bytes = this.#blobs.get(key);
    return bytes ? new Response(bytes.slice()) : new Response("NoSuchKey", { status: 404 });
  }

  #tagList(url: URL, name: string): Response {
    const all = [...(this.#tags.get(name)?.keys() ?? [])].sort();
    if (!this.#manifests.has(name)) {
      return distributionError(404, "NAME_UNKNOWN", "repository name not known to registry");
    }
    const n = Number(url.searchParams.get("n") ?? this.options.tagPageSize ?? all.length);
    const last = url.searchParams.get("last");
    const start = last === null ? 0 : all.findIndex((t) => t > last);
    const page = start < 0 ? [] : all.slice(start, start + n);
    const headers: Record<string, string> = { "content-type": "application/json" };
    const lastOfPage = page[page.length - 1];
    if (lastOfPage !== undefined && all.indexOf(lastOfPage) < all.length - 1) {
      headers.link = `</v2/${name}/tags/list?last=${lastOfPage}&n=${n}>; rel="next"`;
    }
    return Response.json({ name, tags: page }, { headers });
  }

  #referrers(url: URL, name: string, subject: string): Response {
    const artifactType = url.searchParams.get("artifactType");
    const filter = artifactType !== null && this.options.referrersFilter !== false;
    const manifests: Descriptor[] = [];
    for (const [digest, stored] of this.#manifests.get(name) ?? []) {
      const json = JSON.parse(new TextDecoder().decode(stored.bytes));
      if (json.subject?.digest !== subject) continue;
      const type: string = json.artifactType ?? json.config?.mediaType;
      if (filter && type !== artifactType) continue;
      manifests.push({
        mediaType: stored.mediaType,
        digest,
        size: stored.bytes.byteLength,
        artifactType: type,
      });
    }
    const headers: Record<string, string> = { "content-type": OCI_INDEX };
    if (filter) headers["oci-filters-applied"] = "artifactType";
    return Response.json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }, { headers });
  }

  async token(req: Request): Promise<Response> {
    const { users = {}, refreshTokens = {}, tokenField = "token", expiresIn } = this.options;
    const url = new URL(req.url);
    let user: string | undefined;
    let scopes = url.searchParams.getAll("scope");
    if (req.method === "POST") {
      const form = new URLSearchParams(await req.text());
      user = refreshTokens[form.get("refresh_token") ?? ""];
      if (form.get("grant_type") !== "refresh_token" || user === undefined) {
        return distributionError(401, "UNAUTHORIZED", "invalid refresh token");
      }
      scopes = form.getAll("scope");
    } else {
      const header = req.headers.get("authorization");
      if (header !== null) {
        const [name = "", pass] = Buffer.from(header.replace(/^Basic /, ""), "base64")
          .toString()
          .split(":");
        if (users[name] !== pass) {
          return distributionError(401, "UNAUTHORIZED", "authentication required");
        }
        user = name;
      }
    }
    const token = `tok-${++this.#issued}`;
    this.#tokens.set(token, { scopes, user });
    const body: Record<string, unknown> = { [tokenField]: token };
    if (expiresIn !== undefined) body.expires_in = expiresIn;
    return Response.json(body);
  }
}

export function distributionError(status: number, code: string, message: string): Response {
  return Response.json({ errors: [{ code, message, detail: null }] }, { status });
}

function unauthorized(challenge: string): Response {
  const res = distributionError(401, "UNAUTHORIZED", "authentication required");
  res.headers.set("www-authenticate", challenge);
  return res;
}

function mapOf<K, V>(outer: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let inner = outer.get(key);
  if (!inner) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}
