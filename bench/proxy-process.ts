/**
 * The latency proxy in a process of its own, so that its work does not wait
 * on the engine's event loop (nor the engine's on it), as with a registry
 * across a network. Started by remote-proxy.ts as
 * `RUNTIME proxy-process.ts TARGET LATENCY_MS`; prints one JSON line
 * `{url, host, control}` when ready; exits when its stdin closes.
 *
 * It memoizes (see `ProxyOptions.memoize`): the benchmark seeds straight into
 * the registry before it measures, so after the first answer each request
 * costs the injected round trip and no registry work on the two cores the
 * engine is timed on. Without it, docker-registry's own CPU (1 to 1.5 ms per
 * manifest, 2 to 4.5 ms per blob; 160 to 330 ms for the 70 requests of one
 * many-images admission) more than doubled the many-images store mean while
 * one image, 7 requests, stayed near its floor.
 *
 * Control (loopback HTTP): GET /settled answers once no request is in
 * flight; POST /reset forgets the log; GET /log returns it as JSON.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { startProxy } from "../test/support/proxy.ts";
import { startBunProxy } from "./bun-proxy.ts";

const [target, latency] = process.argv.slice(2);
if (target === undefined || latency === undefined) {
  console.error("usage: proxy-process.ts TARGET_URL LATENCY_MS");
  process.exit(2);
}
const proxy =
  process.versions.bun === undefined
    ? await startProxy({ target, latencyMs: Number(latency), memoize: true })
    : startBunProxy(target, Number(latency));

const control = createServer((req, res) => {
  const answer = (body: unknown): void => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const route = `${req.method} ${req.url}`;
  if (route === "GET /settled") void proxy.settled().then(() => answer({ settled: true }));
  else if (route === "POST /reset") {
    proxy.reset();
    answer({ reset: true });
  } else if (route === "GET /log") answer(proxy.log);
  else res.writeHead(404).end();
});
await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
const { port } = control.address() as AddressInfo;

const stop = async (): Promise<void> => {
  control.close();
  control.closeAllConnections();
  await proxy.close();
  process.exit(0);
};
process.stdin.on("end", () => void stop());
process.stdin.on("close", () => void stop());
process.stdin.resume();
process.on("SIGTERM", () => void stop());
process.stdout.write(
  `${JSON.stringify({ url: proxy.url, host: proxy.host, control: `http://127.0.0.1:${port}` })}\n`,
);
