/**
 * The Worker's build, run through wrangler with what the Worker cannot read
 * itself bundled in:
 *
 *   tsx scripts/worker.ts dev|build|deploy [WRANGLER-ARGS...]
 *   tsx scripts/worker.ts bundle
 *
 * The policy files IMGVERIFY_POLICIES names (a comma list of files and
 * directories, as serve reads it) are read from YAML here and checked as
 * serve checks them, so a refused policy fails the build, not the first
 * admission; their documents travel with the trusted root
 * (IMGVERIFY_TRUSTED_ROOT, else the production Sigstore root), checked here
 * too, in .wrangler/imgverify/bundle.json, the file wrangler.toml's alias
 * gives as the `imgverify-worker-bundle` module. What the Worker would do at
 * its first request is done once here: its cold start is shorter.
 *
 * wrangler.toml runs `bundle` as its custom build, so every wrangler command
 * (dev, deploy, a plain `npx wrangler deploy --dry-run --outdir dist`)
 * bundles what IMGVERIFY_POLICIES names at that moment, and fails by name
 * without it.
 *
 * Other IMGVERIFY_* settings become the Worker's variables (`--var`). Secrets
 * (IMGVERIFY_AUTH_TOKEN, and the Docker config IMGVERIFY_REGISTRY_CONFIG names,
 * sent as IMGVERIFY_REGISTRY_CONFIG_JSON) go to `dev` through an env file
 * only this user can read, never on a command line; a deployed Worker gets
 * them from `wrangler secret put`.
 *
 *   bundle  only write the bundle (what wrangler's build step runs)
 *   dev     wrangler dev --local: workerd on this machine, offline
 *   build   wrangler deploy --dry-run --outdir dist: the bundle, sizes printed
 *   deploy  wrangler deploy
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ENV_PREFIX, listValue } from "../src/cli/flags/environment.ts";
import { manifestPaths, readTextFiles } from "../src/cli/policy-files.ts";
import { trustedRootJson } from "../src/cli/trusted-root.ts";
import { prepareTrustMaterial, trustRootId } from "../src/engine/checks/index.ts";
import { isImgverifyError } from "../src/errors.ts";
import {
  loadPolicies,
  loadPolicyDocuments,
  parseYamlFiles,
  type YamlDocument,
} from "../src/policy/index.ts";
import { processIo } from "../src/runtime/cli.ts";
import type { WorkerBundle } from "../src/runtime/worker/worker-bundle.ts";
import { WORKER_SECRETS } from "../src/runtime/worker/worker-settings.ts";

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
  const files = await readTextFiles(io, await manifestPaths(io, policies, "serve"));
  loadPolicies(files); // refused as serve refuses them, YAML errors included
  const documents = shippable(parseYamlFiles(files).documents);
  const loaded = loadPolicyDocuments(documents); // and loaded as the Worker will load them
  const trustedRoot = await trustedRootJson(io, env.IMGVERIFY_TRUSTED_ROOT || undefined);
  prepareTrustMaterial(trustedRoot);
  const bundle: WorkerBundle = { documents, trustedRoot, trustedRootId: trustRootId(trustedRoot) };
  mkdirSync(outDir, { recursive: true });
  const path = `${outDir}/bundle.json`;
  writeFileSync(path, JSON.stringify(bundle));
  console.log(
    `bundled ${loaded.policies.length} policies (${loaded.policies.map((p) => p.name).join(", ")}) into ${path}`,
  );
  return path;
}

/**
 * The documents as the Worker will read them back from JSON; a value JSON
 * cannot carry (YAML's .inf or .nan) fails the build by name rather than
 * reaching the Worker as something else. Kubernetes, which stores JSON,
 * could not hold it either.
 */
function shippable(documents: readonly YamlDocument[]): YamlDocument[] {
  for (const doc of documents) {
    const where = lossyValue(doc.value, "");
    if (where !== undefined)
      fail(`${doc.file} (document ${doc.index + 1}): ${where} is a value JSON cannot hold`);
  }
  return JSON.parse(JSON.stringify(documents));
}

/** The path of the first value in `value` that JSON would change, if any. */
function lossyValue(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : path || "the document";
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = lossyValue(item, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      const found = lossyValue(item, path === "" ? key : `${path}.${key}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return path || "the document";
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
  const env = process.env;
  if (mode === "bundle") {
    await writeBundle(env);
    return;
  }
  if (wranglerArgs === undefined)
    fail("usage: tsx scripts/worker.ts dev|build|deploy [WRANGLER-ARGS...] | bundle");
  const secrets: string[] = Object.values(WORKER_SECRETS);
  const vars = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && !BUILD_ONLY.includes(name))
    .filter((name) => !secrets.includes(name) && env[name] !== "")
    .flatMap((name) => ["--var", `${name}:${env[name]}`]);
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
