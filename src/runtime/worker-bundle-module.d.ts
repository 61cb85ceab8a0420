/** The JSON module wrangler.toml aliases: the bundle scripts/worker.ts writes. */
declare module "imgverify-worker-bundle" {
  const bundle: import("./worker-bundle.ts").WorkerBundle;
  export default bundle;
}
