/**
 * A tiny in-memory Distribution registry for the demo: manifests by tag or
 * digest and blobs, read-only over GET/HEAD. It is reached only through
 * `inProcessFetch`, so its host exists nowhere but in this process.
 */
import type { Fetch } from "../deps.ts";
import type { Descriptor } from "../oci/index.ts";

const encoder = new TextEncoder();

async function digestOf(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return `sha256:${Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function distributionError(status: number, code: string, message: string): Response {
  return Response.json({ errors: [{ code, message, detail: null }] }, { status });
}

export class DemoRegistry {
  readonly host: string;
  readonly #manifests = new Map<string, { bytes: Uint8Array; mediaType: string }>();
  readonly #tags = new Map<string, string>();
  readonly #blobs = new Map<string, Uint8Array>();

  constructor(host: string) {
    this.host = host;
  }

  async pushBlob(
    repo: string,
    content: Uint8Array | string,
    mediaType: string,
  ): Promise<Descriptor> {
    const bytes = typeof content === "string" ? encoder.encode(content) : content;
    const digest = await digestOf(bytes);
    this.#blobs.set(`${repo}@${digest}`, bytes);
    return { mediaType, digest, size: bytes.byteLength };
  }

  async pushManifest(
    repo: string,
    manifest: { mediaType: string },
    tag: string,
  ): Promise<Descriptor> {
    const bytes = encoder.encode(JSON.stringify(manifest));
    const digest = await digestOf(bytes);
    this.#manifests.set(`${repo}@${digest}`, { bytes, mediaType: manifest.mediaType });
    this.#tags.set(`${repo}:${tag}`, digest);
    return { mediaType: manifest.mediaType, digest, size: bytes.byteLength };
  }

  handle(req: Request): Response {
    const { pathname } = new URL(req.url);
    if (pathname === "/v2/" || pathname === "/v2") return Response.json({});
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(pathname);
    if (!match || (req.method !== "GET" && req.method !== "HEAD")) {
      return distributionError(404, "UNSUPPORTED", `${req.method} ${pathname} is not served`);
    }
    const [, repo = "", kind, target = ""] = match;
    const body = (bytes: Uint8Array): BodyInit | null =>
      req.method === "HEAD" ? null : (bytes.slice() as BufferSource);
    if (kind === "blobs") {
      const bytes = this.#blobs.get(`${repo}@${target}`);
      if (!bytes) return distributionError(404, "BLOB_UNKNOWN", "blob unknown to registry");
      return new Response(body(bytes), {
        headers: { "content-length": String(bytes.byteLength) },
      });
    }
    const digest = target.startsWith("sha256:") ? target : this.#tags.get(`${repo}:${target}`);
    const stored = digest === undefined ? undefined : this.#manifests.get(`${repo}@${digest}`);
    if (!stored || digest === undefined) {
      return distributionError(404, "MANIFEST_UNKNOWN", "manifest unknown");
    }
    return new Response(body(stored.bytes), {
      headers: {
        "content-type": stored.mediaType,
        "content-length": String(stored.bytes.byteLength),
        "docker-content-digest": digest,
      },
    });
  }
}

/**
 * A fetch that hands requests for `registry`'s host to it in-process and
 * everything else to `real`, so no real host gets any exception.
 */
export function inProcessFetch(registry: DemoRegistry, real: Fetch): Fetch {
  return async (req) => {
    if (new URL(req.url).host !== registry.host) return real(req);
    req.signal.throwIfAborted();
    return registry.handle(req);
  };
}
