/**
 * The Worker's build, run through wrangler with what the Worker cannot read
 * itself bundled in:
 *
 *   tsx scripts/worker.ts dev|build|deploy [WRANGLER-ARGS...]
 *
 * The policy files IMGVERIFY_POLICIES names (a comma list of files and
 * directories, as serve reads it) are checked as serve checks them, so a
 * refused policy fails the build, not the first admission; they travel with
 * the trusted root (IMGVERIFY_TRUSTED_ROOT, else the production Sigstore root)
 * in .wrangler/imgverify/bundle.json, the file wrangler.toml's alias gives as
 * the `imgverify-worker-bundle` module.
 *
 * Other IMGVERIFY_* settings become the Worker's variables (`--var`). Secrets
 * (IMGVERIFY_AUTH_TOKEN, and the Docker config IMGVERIFY_REGISTRY_CONFIG names,
 * sent as IMGVERIFY_REGISTRY_CONFIG_JSON) go to `dev` through an env file
 * only this user can read, never on a command line; a deployed Worker gets
 * them from `wrangler secret put`.
 *
 *   dev     wrangler dev --local: workerd on this machine, offline
 *   build   wrangler deploy --dry-run --outdir dist: the bundle, sizes printed
 *   deploy  wrangler deploy
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ENV_PREFIX, listValue } from "../src/cli/environment.ts";
import { manifestPaths, readTextFiles } from "../src/cli/policy-files.ts";
import { trustedRootJson } from "../src/cli/trusted-root.ts";
import { isImgverifyError } from "../src/errors.ts";
import { loadPolicies } from "../src/policy/index.ts";
import { processIo } from "../src/runtime/cli.ts";
import type { WorkerBundle } from "../src/runtime/worker-bundle.ts";
import { WORKER_SECRETS } from "../src/runtime/worker-settings.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = `${root}.wrangler/imgverify`;
const wrangler = `${root}node_modules/.bin/wrangler`;

/** Read here, not by the Worker: they name files on this machine. */
const BUILD_ONLY = ["IMGVERIFY_POLICIES", "IMGVERIFY_TRUSTED_ROOT", "IMGVERIFY_REGISTRY_CONFIG"];

const modes: Record<string, readonly string[]> = {
  dev: ["dev", "--local"],
  build: ["deploy", "--dry-run"],
  deploy: ["deploy"],
};

function fail(message: string): never {
  console.error(`scripts/worker.ts: ${message}`);
  process.exit(2);
}

async function writeBundle(env: NodeJS.ProcessEnv): Promise<string> {
  const policies = listValue(env.IMGVERIFY_POLICIES ?? "");
  if (policies.length === 0) fail("IMGVERIFY_POLICIES must name the policy files or directories");
  const io = processIo();
  const policyFiles = await readTextFiles(io, await manifestPaths(io, policies, "serve"));
  const loaded = loadPolicies(policyFiles);
  const bundle: WorkerBundle = {
    policyFiles,
    trustedRoot: await trustedRootJson(io, env.IMGVERIFY_TRUSTED_ROOT || undefined),
  };
  mkdirSync(outDir, { recursive: true });
  const path = `${outDir}/bundle.json`;
  writeFileSync(path, JSON.stringify(bundle));
  console.log(
    `bundled ${loaded.policies.length} policies (${loaded.policies.map((p) => p.name).join(", ")}) into ${path}`,
  );
  return path;
}

/** A dotenv line wrangler reads back as `value`: quoted with a quote the value does not hold. */
function dotenvLine(name: string, value: string): string {
  const quote = ["'", '"', "`"].find((q) => !value.includes(q) && !value.includes("\n"));
  if (quote === undefined) fail(`${name} holds every quote character or a newline`);
  return `${name}=${quote}${value}${quote}`;
}

function secretsFile(env: NodeJS.ProcessEnv): string | undefined {
  const lines: string[] = [];
  const token = env[WORKER_SECRETS.token];
  if (token) lines.push(dotenvLine(WORKER_SECRETS.token, token));
  const config = env.IMGVERIFY_REGISTRY_CONFIG;
  if (config) {
    const text = JSON.stringify(JSON.parse(readFileSync(config, "utf8")));
    lines.push(dotenvLine(WORKER_SECRETS.registryConfig, text));
  }
  if (lines.length === 0) return undefined;
  const path = `${outDir}/secrets.env`;
  writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  const wranglerArgs = mode === undefined ? undefined : modes[mode];
  if (wranglerArgs === undefined)
    fail("usage: tsx scripts/worker.ts dev|build|deploy [WRANGLER-ARGS...]");
  const env = process.env;
  const secrets: string[] = Object.values(WORKER_SECRETS);
  const vars = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && !BUILD_ONLY.includes(name))
    .filter((name) => !secrets.includes(name) && env[name] !== "")
    .flatMap((name) => ["--var", `${name}:${env[name]}`]);
  await writeBundle(env);
  const args = [...wranglerArgs, ...vars];
  if (mode === "build" && !rest.includes("--outdir")) args.push("--outdir", "dist");
  if (mode === "dev") {
    const file = secretsFile(env);
    if (file !== undefined) args.push("--env-file", file);
  } else if (secrets.some((name) => env[name]) || env.IMGVERIFY_REGISTRY_CONFIG) {
    console.warn(
      `not bundled: ${secrets.join(", ")} are secrets; set them with npx wrangler secret put NAME`,
    );
  }
  const child = spawn(wrangler, [...args, ...rest], {
    cwd: root,
    stdio: "inherit",
    env: { ...env, WRANGLER_SEND_METRICS: "false" },
  });
  // A stop sent to this script (a terminal, a test, a supervisor) reaches wrangler and workerd.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 2 : 0)));
}

main().catch((err) => fail(isImgverifyError(err) ? err.message : String(err)));
