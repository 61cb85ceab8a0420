import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A hostile front for a harness registry: each request, in arrival order,
 * draws one fault from a seeded schedule: hold the response past any
 * deadline, reset the connection mid-body, answer 429 with Retry-After: 1,
 * or pass through untouched.
 */
export type Fault = "pass" | "stall" | "reset" | "429";

export interface FaultProxyOptions {
  target: string;
  seed: number;
  /** Weights of each fault; missing ones are 0. */
  weights: Partial<Record<Fault, number>>;
  /** How long a stalled response is held before its socket is dropped. */
  stallMs: number;
}

export interface FaultProxy {
  host: string;
  counts: Record<Fault, number>;
  /** From now on every request passes: the registry has recovered. */
  heal(): void;
  close(): Promise<void>;
}

/** mulberry32: small, seeded, good enough to spread faults. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const next = random(options.seed);
  const faults = Object.entries(options.weights) as [Fault, number][];
  const total = faults.reduce((sum, [, w]) => sum + w, 0);
  const counts: Record<Fault, number> = { pass: 0, stall: 0, reset: 0, "429": 0 };
  let healed = false;
  const draw = (): Fault => {
    if (healed) return "pass";
    let x = next() * total;
    for (const [fault, w] of faults) if ((x -= w) < 0) return fault;
    return "pass";
  };

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const fault = draw();
    counts[fault]++;
    if (fault === "stall") {
      const timer = setTimeout(() => res.destroy(), options.stallMs);
      res.once("close", () => clearTimeout(timer));
      return;
    }
    if (fault === "429") {
      res.writeHead(429, { "retry-after": "1", "content-type": "text/plain" }).end("slow down");
      return;
    }
    const headers = { ...req.headers, host: target.host };
    const upstream = request(target, { method: req.method, path: req.url, headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (c: Buffer) => chunks.push(c));
      answer.on("end", () => {
        const body = Buffer.concat(chunks);
        const out = { ...answer.headers };
        delete out["transfer-encoding"];
        delete out.connection;
        res.writeHead(answer.statusCode ?? 502, out);
        if (fault === "pass") {
          res.end(body);
          return;
        }
        // Half the body the headers promised, then the connection is gone.
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
        if (body.length < 2) res.socket?.destroy();
      });
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  }

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    counts,
    heal: () => {
      healed = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
