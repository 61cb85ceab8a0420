/** The JSON module wrangler.toml aliases: the bundle scripts/worker.ts writes. */
declare module "imgverify-worker-bundle" {
  const bundle: import("./worker-bundle.ts").WorkerBundle;
  export default bundle;
}

/** workerd's bindings, readable while the isolate starts (as `env` in `fetch`). */
declare module "cloudflare:workers" {
  export const env: Readonly<Record<string, unknown>>;
}
