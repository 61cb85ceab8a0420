// workerd (through wrangler's and vitest-pool-workers' bundling) imports a .wasm file as a compiled module.
declare module "*.wasm" {
  const compiled: WebAssembly.Module;
  export default compiled;
}
