/**
 * The floor the webhook's throughput is measured against: a bare Hono app on
 * Bun that parses the AdmissionReview and admits it by uid, with nothing else
 * in between. `bun bench/throughput/echo-server.ts` listens on a free loopback
 * port and prints the same "listening on URL" line as `imgverify serve`.
 */
import { Hono } from "hono";

const app = new Hono();

app.post("/mutate", async (c) => {
  const review = (await c.req.json()) as { apiVersion?: unknown; request?: { uid?: unknown } };
  const uid = review.request?.uid;
  if (typeof uid !== "string") return c.json({ error: "request.uid is missing" }, 400);
  return c.json({
    apiVersion: review.apiVersion,
    kind: "AdmissionReview",
    response: { uid, allowed: true },
  });
});

const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
process.stdout.write(`echo listening on http://127.0.0.1:${server.port}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.stop(true);
    process.exit(0);
  });
}
