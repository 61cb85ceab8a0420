/**
 * Cloudflare Workers (workerd): the module's default export is the app, whose
 * `fetch` workerd calls per request. The WASM digest core arrives as an
 * imported module (workerd compiles no bytes at run time), so /readyz turns
 * ready once it is instantiated.
 */
import type { Hono } from "hono";
import { createApp } from "../app.ts";
import { systemClock } from "../deps.ts";
import { loadSha256 } from "./sha256-worker.ts";

const app: Hono = createApp({
  fetch: (request) => fetch(request),
  clock: systemClock,
  logger: console,
  sha256: loadSha256(),
});

export default app;
