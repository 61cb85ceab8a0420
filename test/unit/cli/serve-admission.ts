/**
 * One whole admission through `serve`: an in-memory registry holding
 * `app:v1` signed by the test's key, the test's policies under `p/` and its
 * I/O, and one AdmissionReview of that image posted to /mutate.
 */
import type { CliIo } from "../../../src/cli/io.ts";
import { runCli } from "../../../src/cli/main.ts";
import type { TestKey } from "../crypto/fixtures.ts";
import { EMPTY_ROOT, image, pushSigned, reviewJson, world } from "../engine/core/world.ts";
import { harness } from "./serve-harness.ts";

export interface ServedAdmission {
  /** The AdmissionReview's `response`. */
  response: { allowed: boolean; status?: { message?: string } };
  /** What serve logged until the answer. */
  stderr: string;
  /** Stops serve; its exit code. */
  stop(): Promise<number>;
}

/** `serve --policy p` with `flags` over `files`, and the answer to one admission of the signed image. */
export async function serveAdmission(
  signer: TestKey,
  files: Record<string, string>,
  flags: readonly string[],
  io: Partial<CliIo>,
): Promise<ServedAdmission> {
  const w = world();
  await pushSigned(w.registry, "app", "v1", [signer]);
  const h = harness({}, { ...files, "root.json": JSON.stringify(EMPTY_ROOT) }, false, {
    fetch: () => w.net.fetch,
    ...io,
  });
  const args = ["serve", "--policy", "p", "--trusted-root", "root.json", "--allow-unauthenticated"];
  const exit = runCli([...args, ...flags], h.io);
  const { handler } = await h.started;
  const res = await handler(
    new Request("http://127.0.0.1:8443/mutate", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(reviewJson([{ name: "c", image: image("app") }])),
    }),
  );
  const { response } = await res.json();
  return {
    response,
    stderr: h.io.err,
    stop: () => {
      h.stop("SIGTERM");
      return exit;
    },
  };
}
