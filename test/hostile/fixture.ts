import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { guardProcess, makeTempDir } from "../support/cleanup.ts";
import { childEnv, IMGVERIFY_BIN, listeningUrl } from "../support/cli.ts";
import type { RegistryInfo } from "../support/context.ts";
import { seedSignedImages } from "../support/seed-signed.ts";
import { REVIEW_UID, reviewJson } from "../unit/engine/core/world.ts";
import type { Aim } from "./cases.ts";

/** Signed images, keys and files the hostile suites share; one set per suite. */

export interface SignedImage {
  repository: string;
  digest: string;
}

export interface HostileFixture {
  dir: string;
  /** Every signer's public key (cosign and bundle), PEM. */
  keyFile: string;
  cosignKey: string;
  bundleKey: string;
  /** Trusted root naming the local log that witnessed the bundles. */
  rootFile: string;
  images: Record<Aim, SignedImage>;
}

/** The Basic credentials the Docker config gives the hostile registries. */
export const USER = { username: "hostile-user", password: "s3cret-not-for-elsewhere" };
export const BASIC = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString("base64")}`;

/** A cosign-signed image (no bundles) and a bundle-signed one, under `prefix`. */
export async function prepareFixture(
  registry: RegistryInfo,
  prefix: string,
): Promise<HostileFixture> {
  const dir = makeTempDir(`hostile-${prefix}`);
  const [cosign, bundle] = await Promise.all([
    seedSignedImages(registry, { repository: `hostile/${prefix}-cosign` }),
    seedSignedImages(registry, { repository: `hostile/${prefix}-bundle`, bundles: true }),
  ]);
  const image = (seeded: typeof cosign): SignedImage => {
    const first = seeded.images[0];
    if (!first) throw new Error("nothing seeded");
    return { repository: first.repository, digest: first.digest };
  };
  const cosignKey = cosign.keys[0]?.publicKeyPem ?? "";
  const bundleKey = bundle.keys.find((k) => k.name === "bundle")?.publicKeyPem ?? "";
  const keyFile = join(dir, "keys.pem");
  writeFileSync(keyFile, `${cosignKey}\n${bundleKey}\n`);
  const rootFile = join(dir, "trusted-root.json");
  writeFileSync(rootFile, bundle.trustedRootJson ?? "");
  return {
    dir,
    keyFile,
    cosignKey,
    bundleKey,
    rootFile,
    images: { cosign: image(cosign), bundle: image(bundle) },
  };
}

/** `HOST/CASE/REPO@DIGEST`: digest-pinned, through the hostile server at `host`. */
export function imageFor(host: string, name: string, image: SignedImage): string {
  return `${host}/${name}/${image.repository}@${image.digest}`;
}

/** A Docker config directory whose config.json gives `hosts` the Basic test user. */
export function dockerConfigDir(parent: string, hosts: readonly string[]): string {
  const dir = join(parent, "docker");
  mkdirSync(dir, { recursive: true });
  const auth = Buffer.from(`${USER.username}:${USER.password}`).toString("base64");
  const auths = Object.fromEntries(hosts.map((host) => [host, { auth }]));
  writeFileSync(join(dir, "config.json"), JSON.stringify({ auths }));
  return dir;
}

export function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
}

export interface Admission {
  ms: number;
  allowed: boolean | undefined;
  message: string;
}

export interface Webhook {
  pid: number;
  admit(image: string, timeoutMs: number): Promise<Admission>;
  stop(): Promise<void>;
}

/** `imgverify serve` with the policies in `dir/policies`, reached with a bearer token. */
export async function startWebhook(options: {
  dir: string;
  insecure: readonly string[];
  dockerConfig: string;
  rootFile: string;
}): Promise<Webhook> {
  const token = "hostile-webhook-token";
  const insecure = options.insecure.flatMap((host) => ["--insecure-registry", host]);
  const args = ["serve", "--port", "0", "--policy", join(options.dir, "policies"), ...insecure];
  args.push("--trusted-root", options.rootFile, "--cache-ttl", "0s", "--log-level", "error");
  const child = spawn(process.execPath, [IMGVERIFY_BIN, ...args], {
    env: childEnv({ DOCKER_CONFIG: options.dockerConfig, IMGVERIFY_AUTH_TOKEN: token }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const guarded = guardProcess(child, options.dir);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const url = await listeningUrl(child, 30_000, () => stderr).url.catch(async (err: unknown) => {
    await guarded.stop(1_000);
    throw err;
  });
  return {
    pid: guarded.pid,
    async admit(image, timeoutMs) {
      const started = performance.now();
      const res = await fetch(`${url}/validate`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(reviewJson([{ name: "c", image }])),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = await res.json();
      const ms = performance.now() - started;
      if (body?.response?.uid !== REVIEW_UID)
        throw new Error(`odd answer: ${JSON.stringify(body)}`);
      const { allowed, status } = body.response;
      return { ms, allowed, message: String(status?.message ?? "") };
    },
    stop: () => guarded.stop(2_000),
  };
}
