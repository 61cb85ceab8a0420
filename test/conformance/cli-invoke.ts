/**
 * Runs each protocol invocation through the real command line,
 * `node bin/imgverify.js verify-bundle …`, with the case's files on disk;
 * exit status 0 means the bundle verified.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CASE_FILES, type Invoke } from "./core.ts";

const ENTRY = "bin/imgverify.js";

export function cliInvoke(casesDir: string): Invoke {
  if (!existsSync(ENTRY)) {
    throw new Error(`--cli needs ${ENTRY} (run from the repository root after the CLI exists)`);
  }
  return async (testCase, flags) => {
    const dir = join(casesDir, testCase.name);
    const path = (name: string) =>
      name === CASE_FILES.artifact && !existsSync(join(dir, name))
        ? join(casesDir, "../a.txt")
        : join(dir, name);
    const args = ["verify-bundle", "--bundle", path(flags.bundle)];
    if (flags.key) args.push("--key", path(flags.key));
    if (flags.certificateIdentity) args.push("--certificate-identity", flags.certificateIdentity);
    if (flags.certificateOidcIssuer) {
      args.push("--certificate-oidc-issuer", flags.certificateOidcIssuer);
    }
    if (flags.trustedRoot) args.push("--trusted-root", path(flags.trustedRoot));
    args.push(flags.input.startsWith("sha256:") ? flags.input : path(flags.input));
    const run = spawnSync(process.execPath, [ENTRY, ...args], {
      encoding: "utf8",
      timeout: 60_000,
    });
    if (run.status === 0) return "";
    return `exit ${run.status ?? run.signal}: ${(run.stderr || run.stdout).trim().split("\n")[0]}`;
  };
}
