/**
 * What `scripts/worker.ts` bundles into the Worker at build time: the policy
 * files IMGVERIFY_POLICIES names (already checked: a build with a refused
 * policy fails) and the trusted root. The Worker has no files, so they travel
 * in the script as one JSON module, `imgverify-worker-bundle`, which
 * wrangler.toml aliases to the file the script writes.
 */
import type { PolicyFile } from "../policy/index.ts";

export interface WorkerBundle {
  readonly policyFiles: readonly PolicyFile[];
  /** A Sigstore trusted_root.json: IMGVERIFY_TRUSTED_ROOT's, else the production root. */
  readonly trustedRoot: unknown;
}
