// Run as a separate process by cleanup.test.ts: starts a registry, reports
// where it lives, then dies without calling stop() in the way argv[2] names.
import { dirname } from "node:path";
import { startRegistry } from "../../support/registry.ts";

const registry = await startRegistry({ mode: "anonymous" });
process.stdout.write(`${JSON.stringify({ pid: registry.pid, dir: dirname(registry.logFile) })}\n`);
// "exit": die once the parent has seen the registry alive (a line on stdin);
// "hang": stay alive until the parent kills this process with SIGKILL.
if (process.argv[2] === "exit") process.stdin.once("data", () => process.exit(3));
setInterval(() => {}, 60_000);
