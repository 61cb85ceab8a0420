import { createHash } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createGzip } from "node:zlib";

/**
 * A misbehaving registry on a loopback address: it forwards to a real
 * registry (`upstream`) or answers by itself, and each request's behaviour is
 * chosen by `choose` from its method and path. When `cases` is on, the first
 * repository component names the case (`/v2/<case>/<repo>/...`) and is
 * stripped before forwarding, so one server can host a whole table of cases.
 * Every request's method, path and Authorization header is recorded.
 */

export interface RecordedRequest {
  method: string;
  /** The path with query, as received (case prefix included). */
  path: string;
  authorization: string | null;
}

export interface Upstream {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** The path with the case prefix stripped. */
  path: string;
  /** `http://HOST:PORT` of this server. */
  origin: string;
  /** The request answered by the upstream registry, body in full. */
  forward(): Promise<Upstream>;
}

export type Behaviour = (exchange: Exchange) => void | Promise<void>;

export interface HostileOptions {
  /** `http://HOST:PORT` of the real registry; without one, unchosen requests get 404. */
  upstream?: string;
  /** Loopback address to listen on; default 127.0.0.1 (127.0.0.2 is "another host"). */
  hostname?: string;
  /** Strip and pass on `/v2/<case>/`; default false. */
  cases?: boolean;
  /** The behaviour of one request; undefined passes it through unchanged. */
  choose?: (request: {
    method: string;
    path: string;
    case: string | undefined;
  }) => Behaviour | undefined;
}

export interface HostileRegistry {
  /** `HOST:PORT`, as in image references. */
  host: string;
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const CASE_PATH = /^\/v2\/([a-z0-9-]+)\/(.+)$/;

export async function startHostileRegistry(options: HostileOptions = {}): Promise<HostileRegistry> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let origin = "";
  const server = createServer((req, res) => {
    const raw = req.url ?? "/";
    const { method = "GET" } = req;
    requests.push({ method, path: raw, authorization: req.headers.authorization ?? null });
    const matched = options.cases ? CASE_PATH.exec(raw) : null;
    const path = matched ? `/v2/${matched[2]}` : raw;
    const forward = (): Promise<Upstream> => forwardTo(options.upstream, req, path);
    const behaviour = options.choose?.({ method, path, case: matched?.[1] }) ?? passThrough;
    Promise.resolve(behaviour({ req, res, path, origin, forward })).catch(() => res.destroy());
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, options.hostname ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = `${address}:${port}`;
  origin = `http://${host}`;
  return {
    host,
    origin,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function forwardTo(upstream: string | undefined, req: IncomingMessage, path: string) {
  return new Promise<Upstream>((resolve, reject) => {
    if (upstream === undefined) {
      resolve({ status: 404, headers: {}, body: Buffer.from('{"errors":[]}') });
      return;
    }
    const target = new URL(upstream);
    const headers = { ...req.headers, host: target.host };
    const outgoing = request(target, { method: req.method, path, headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () => {
        const out = { ...answer.headers };
        delete out["transfer-encoding"];
        delete out.connection;
        resolve({ status: answer.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
      });
      answer.on("error", reject);
    });
    outgoing.on("error", reject);
    req.pipe(outgoing);
  });
}

function send(res: ServerResponse, answer: Upstream): void {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}

/** The upstream's answer, untouched. */
export const passThrough: Behaviour = async ({ res, forward }) => send(res, await forward());

/** Reads the request and never answers. */
export const hang: Behaviour = () => {};

/** The upstream's headers, then its body one byte every `intervalMs`. */
export function drip(intervalMs = 200): Behaviour {
  return async ({ res, forward }) => {
    const answer = await forward();
    res.writeHead(answer.status, answer.headers);
    let i = 0;
    const timer = setInterval(() => {
      if (i >= answer.body.length) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(answer.body.subarray(i, ++i));
    }, intervalMs);
    res.once("close", () => clearInterval(timer));
  };
}

/** A 200 manifest answer with no Content-Length whose body never ends (64 KiB chunks). */
export function endless(mediaType: string): Behaviour {
  return ({ res }) => {
    res.writeHead(200, { "content-type": mediaType });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    chunk.write('{"schemaVersion":2,"padding":"');
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once("drain", pump);
    };
    pump();
  };
}

/** The upstream's answer with its body changed by `alter` (Content-Length follows the new body). */
export function rewriteBody(alter: (body: Buffer) => Buffer, dropDigest = false): Behaviour {
  return async ({ res, forward }) => {
    const answer = await forward();
    const body = alter(Buffer.from(answer.body));
    const headers: IncomingHttpHeaders = { ...answer.headers, "content-length": `${body.length}` };
    if (dropDigest) delete headers["docker-content-digest"];
    send(res, { ...answer, headers, body });
  };
}

/** Flips one bit in the middle: same length, other digest. */
export const flipByte = (body: Buffer): Buffer => {
  const middle = body.length >> 1;
  body[middle] = (body[middle] ?? 0) ^ 0x01;
  return body;
};

/** The upstream's answer under another `Content-Type`. */
export function mediaType(contentType: string): Behaviour {
  return async ({ res, forward }) => {
    const answer = await forward();
    send(res, { ...answer, headers: { ...answer.headers, "content-type": contentType } });
  };
}

/** 307 to the same URL, forever. */
export const redirectLoop: Behaviour = ({ req, res, origin }) => {
  res.writeHead(307, { location: `${origin}${req.url}` }).end();
};

/** 307 to `target` (an origin) with the same path. */
export function redirectTo(target: () => string): Behaviour {
  return ({ req, res }) => {
    res.writeHead(307, { location: `${target()}${req.url}` }).end();
  };
}

/** A fixed status with headers and a Distribution error body naming `registryCode`. */
export function status(
  code: number,
  headers: Record<string, string> = {},
  registryCode = code === 401 ? "UNAUTHORIZED" : "TOOMANYREQUESTS",
): Behaviour {
  return ({ res }) => {
    const body = JSON.stringify({ errors: [{ code: registryCode, message: `HTTP ${code}` }] });
    res.writeHead(code, { "content-type": "application/json", ...headers }).end(body);
  };
}

/** The upstream's headers (Content-Length included), half the body, then a TCP reset. */
export const resetMidBody: Behaviour = async ({ res, forward }) => {
  const answer = await forward();
  res.writeHead(answer.status, answer.headers);
  res.write(answer.body.subarray(0, answer.body.length >> 1), () => {
    res.socket?.resetAndDestroy();
  });
};

/** An OCI image index of `manifests(path)`, answered as a referrers response, with `headers`. */
export function referrersIndex(
  manifests: (path: string) => readonly object[],
  headers: (exchange: Exchange) => Record<string, string> = () => ({}),
): Behaviour {
  return (exchange) => {
    const mediaType = "application/vnd.oci.image.index.v1+json";
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: manifests(exchange.path),
    });
    exchange.res.writeHead(200, { "content-type": mediaType, ...headers(exchange) }).end(body);
  };
}

/** `count` referrer descriptors, each a distinct (absent) manifest. */
export function fakeReferrers(count: number, subject: string): object[] {
  return Array.from({ length: count }, (_, i) => ({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    digest: `sha256:${createHash("sha256").update(`${subject} ${i}`).digest("hex")}`,
    size: 1000,
  }));
}

/** gzip of `inflatedBytes` zero bytes, compressed as a stream (never held inflated). */
export async function gzipBomb(inflatedBytes: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on("data", (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => gzip.once("end", resolve));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let left = inflatedBytes; left > 0; left -= zeros.length) {
    if (!gzip.write(zeros.subarray(0, Math.min(left, zeros.length)))) {
      await new Promise((resolve) => gzip.once("drain", resolve));
    }
  }
  gzip.end();
  await done;
  return Buffer.concat(out);
}

/** A 200 manifest answer whose body is `compressed`, labelled `Content-Encoding: gzip`. */
export function gzipped(compressed: () => Buffer, contentType: string): Behaviour {
  return ({ res }) => {
    const body = compressed();
    res.writeHead(200, {
      "content-type": contentType,
      "content-encoding": "gzip",
      "content-length": String(body.length),
    });
    res.end(body);
  };
}

/** 401 with `wwwAuthenticate` unless the request's Authorization passes `accepted`; then `next`. */
export function challenge(
  wwwAuthenticate: string,
  accepted: (authorization: string | undefined) => boolean,
  next: Behaviour = passThrough,
): Behaviour {
  return (exchange) => {
    if (accepted(exchange.req.headers.authorization)) return next(exchange);
    return status(401, { "www-authenticate": wwwAuthenticate })(exchange);
  };
}
