// Run as a separate process by cleanup.test.ts: starts a registry, reports
// where it lives, then dies without calling stop() in the way argv[2] names.
import { dirname } from "node:path";
import { startRegistry } from "../../support/registry.ts";

const registry = await startRegistry({ mode: "anonymous" });
process.stdout.write(`${JSON.stringify({ pid: registry.pid, dir: dirname(registry.logFile) })}\n`);
if (process.argv[2] === "exit") process.exit(3);
// "hang": stay alive until the parent kills this process with SIGKILL.
setInterval(() => {}, 60_000);
