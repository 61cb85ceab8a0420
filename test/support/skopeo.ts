import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RegistryInfo } from "./context.ts";
import { run } from "./exec.ts";

const SKOPEO_TIMEOUT_MS = 120_000;

/**
 * `skopeo copy SOURCE docker://HOST/DESTINATION` over plain HTTP with the
 * registry's test credentials; `workDir` holds skopeo's temp files and policy.
 * Returns the digest skopeo reports for what it pushed.
 */
export async function skopeoCopy(
  workDir: string,
  source: string,
  target: RegistryInfo,
  destination: string,
  extraArgs: readonly string[] = [],
): Promise<string> {
  // A fresh machine may lack /etc/containers/policy.json; bring our own.
  const policy = join(workDir, "policy.json");
  await writeFile(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
  const digestFile = join(workDir, "pushed.digest");
  const creds =
    target.username !== undefined ? ["--dest-creds", `${target.username}:${target.password}`] : [];
  await run(
    "skopeo",
    [
      ...["--policy", policy, "--tmpdir", workDir, "copy", "--quiet", "--dest-tls-verify=false"],
      ...["--digestfile", digestFile, ...creds, ...extraArgs],
      source,
      `docker://${target.host}/${destination}`,
    ],
    { timeoutMs: SKOPEO_TIMEOUT_MS },
  );
  return (await readFile(digestFile, "utf8")).trim();
}
