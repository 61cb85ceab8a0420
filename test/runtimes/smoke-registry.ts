/**
 * Starts one anonymous docker-registry for the runtime matrix, pushes one image
 * to it, writes its coordinates as KEY=value lines to the file named on the
 * command line, and serves until SIGTERM/SIGINT or until run.sh (its parent)
 * is gone. Started by test/runtimes/run.sh on Node: the harness in
 * test/support/ drives child processes and files, so it stays out of the
 * runtimes under test; they only reach the registry over loopback HTTP.
 *
 *   node --import tsx test/runtimes/smoke-registry.ts OUT.env
 */
import { rename, writeFile } from "node:fs/promises";
import { pushImage } from "../support/images.ts";
import { startRegistry } from "../support/registry.ts";

const MAX_LIFETIME_MS = 30 * 60_000;
const PARENT_POLL_MS = 1_000;

const out = process.argv[2];
if (out === undefined) {
  console.error("usage: node --import tsx test/runtimes/smoke-registry.ts OUT.env");
  process.exit(2);
}

const registry = await startRegistry({ mode: "anonymous" });
let stopping: Promise<void> | undefined;
function stop(): Promise<void> {
  stopping ??= registry.stop();
  return stopping;
}

try {
  const image = await pushImage(registry.info(), "imgverify/smoke", "v1");
  const lines = [
    `IMGVERIFY_TEST_REGISTRY=${registry.host}`,
    `IMGVERIFY_TEST_IMAGE=${image.reference}`,
    `IMGVERIFY_TEST_IMAGE_DIGEST=${image.digest}`,
  ];
  // run.sh waits for the file to appear: write it whole, then move it into place.
  await writeFile(`${out}.partial`, `${lines.join("\n")}\n`);
  await rename(`${out}.partial`, out);
} catch (err) {
  await stop();
  throw err;
}

const parent = process.ppid;
await new Promise<void>((resolve) => {
  const done = (): void => {
    clearInterval(watch);
    clearTimeout(deadline);
    resolve();
  };
  // A parent killed outright cannot send a signal; re-parenting shows it is gone.
  const watch = setInterval(() => {
    if (process.ppid !== parent) done();
  }, PARENT_POLL_MS);
  const deadline = setTimeout(done, MAX_LIFETIME_MS);
  process.once("SIGTERM", done);
  process.once("SIGINT", done);
});
await stop();
