/**
 * What `scripts/worker.ts` bundles into the Worker at build time: the
 * documents of the policy files IMGVERIFY_POLICIES names, already read from
 * YAML and checked (a build with a refused policy fails), and the trusted
 * root, already checked too. The Worker has no files, so they travel in the
 * script as one JSON module, `imgverify-worker-bundle`, which wrangler.toml
 * aliases to the file the script writes; an isolate then neither parses YAML
 * nor checks the root before its first admission.
 */
import type { YamlDocument } from "../../policy/index.ts";

export interface WorkerBundle {
  /** Each policy or ConfigMap document as a JSON value, with the file it came from. */
  readonly documents: readonly YamlDocument[];
  /** A Sigstore trusted_root.json: IMGVERIFY_TRUSTED_ROOT's, else the production root. */
  readonly trustedRoot: unknown;
  /** Its content id (`trustRootId`), so an isolate does not hash the root before its first answer. */
  readonly trustedRootId: string;
}
