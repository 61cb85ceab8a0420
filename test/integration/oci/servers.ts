import { createHash } from "node:crypto";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";

/**
 * Small 127.0.0.1 servers the OCI integration tests put between the client
 * and the registry, or in its place: each test owns and closes its own.
 */

export interface TestServer {
  /** `127.0.0.1:PORT`. */
  host: string;
  close(): Promise<void>;
}

async function listenOnLoopback(server: Server): Promise<TestServer> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP server that reads each request and answers it with `reply` (raw
 * HTTP/1.1 text, or nothing) and then leaves the connection as `then` says.
 */
export function startRawServer(
  reply: string | undefined,
  then: "hold" | "end",
): Promise<TestServer & { connections(): number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.on("error", () => {});
    socket.once("data", () => {
      if (reply === undefined) return;
      if (then === "end") socket.end(reply);
      else socket.write(reply);
    });
  });
  return listenOnLoopback(server).then((started) => ({
    ...started,
    connections: () => connections,
  }));
}

/** A free port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<string> {
  const server = await listenOnLoopback(createServer());
  await server.close();
  return server.host;
}

/** What the proxy does to one request path (with query). */
export type Tamper =
  /** Flip one byte of the body; headers untouched. */
  | "flip-byte"
  /** Flip one byte and send the changed body's digest as `Docker-Content-Digest`. */
  | "flip-byte-and-digest"
  /** Send the body chunked, without `Content-Length`. */
  | "drop-length"
  /** Answer 307 to the same path on the upstream registry. */
  | "redirect";

export interface Proxy extends TestServer {
  /** Request paths the proxy changes, and how; every other request passes untouched. */
  rules: Map<string, Tamper>;
}

function flipOneByte(body: Buffer): void {
  const middle = body.length >> 1;
  body[middle] = (body[middle] ?? 0) ^ 0x01;
}

/** A forwarding HTTP proxy in front of `upstream` (`http://HOST:PORT`). */
export async function startProxy(upstream: string): Promise<Proxy> {
  const target = new URL(upstream);
  const rules = new Map<string, Tamper>();
  const server = createHttpServer((req, res) => {
    const path = req.url ?? "/";
    const rule = rules.get(path);
    if (rule === "redirect") {
      res.writeHead(307, { location: new URL(path, target).href });
      res.end();
      return;
    }
    const { method, headers } = req;
    const options = { host: target.hostname, port: target.port, method, path, headers };
    const forward = httpRequest(options, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () => {
        const body = Buffer.concat(chunks);
        const outgoing = { ...answer.headers };
        if (body.length > 0 && (rule === "flip-byte" || rule === "flip-byte-and-digest")) {
          flipOneByte(body);
        }
        if (rule === "flip-byte-and-digest") {
          outgoing["docker-content-digest"] =
            `sha256:${createHash("sha256").update(body).digest("hex")}`;
        }
        if (rule === "drop-length") {
          delete outgoing["content-length"];
          outgoing["transfer-encoding"] = "chunked";
        }
        res.writeHead(answer.statusCode ?? 502, outgoing);
        res.end(body);
      });
    });
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  const started = await listenOnLoopback(server);
  return { ...started, rules };
}
