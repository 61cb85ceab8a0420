import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type GuardedProcess, guardProcess, makeTempDir, removeTempDir } from "./cleanup.ts";
import type { Credentials, RegistryInfo, RegistryMode } from "./context.ts";
import { run } from "./exec.ts";
import { startTokenServer, type TokenServer } from "./token-server.ts";

const REGISTRY_BINARY = "docker-registry";
const READY_TIMEOUT_MS = 15_000;
const START_ATTEMPTS = 3;

export interface StartRegistryOptions {
  mode: RegistryMode;
  /** Defaults to user "imgverify" with a random password (basic and token modes). */
  credentials?: Credentials;
  /**
   * Log errors only, with no line per request: for benchmarks, where writing
   * the access log costs the registry time on every request. Default false.
   */
  quiet?: boolean;
}

export interface Registry extends RegistryInfo {
  /** Present in token mode: deny()/allow() users while the registry runs. */
  tokenServer?: TokenServer;
  /** The registry process, for tests of the harness's own cleanup. */
  pid: number;
  logFile: string;
  /** Plain data for provide()/inject(). */
  info(): RegistryInfo;
  /** Stops the registry (and token server), removes its temp dir; safe to call twice. */
  stop(): Promise<void>;
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no loopback port");
  return address.port;
}

async function logTail(logFile: string, lines = 30): Promise<string> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

async function writeHtpasswd(dir: string, credentials: Credentials): Promise<string> {
  const { stdout } = await run("htpasswd", ["-Bbn", credentials.username, credentials.password]);
  const path = join(dir, "htpasswd");
  await writeFile(path, stdout);
  return path;
}

function authSection(
  mode: RegistryMode,
  htpasswdPath: string | undefined,
  tokenServer: TokenServer | undefined,
): Record<string, unknown> | undefined {
  if (mode === "basic") return { htpasswd: { realm: "imgverify-test", path: htpasswdPath } };
  if (mode === "token" && tokenServer) {
    return {
      token: {
        realm: tokenServer.realm,
        service: tokenServer.service,
        issuer: tokenServer.issuer,
        rootcertbundle: tokenServer.rootCertBundle,
      },
    };
  }
  return undefined;
}

/** Polls /v2/ until the registry answers (200 or 401), or fails with its log tail. */
async function waitUntilReady(url: string, exited: () => boolean, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`registry exited during start:\n${await logTail(logFile)}`);
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new Error(
    `registry at ${url} not ready in ${READY_TIMEOUT_MS} ms:\n${await logTail(logFile)}`,
  );
}

interface RunningRegistry {
  port: number;
  process: GuardedProcess;
}

/** Spawns the registry on a free port; retries when another process took the port first. */
async function launch(
  dir: string,
  auth: Record<string, unknown> | undefined,
  logFile: string,
  quiet: boolean,
): Promise<RunningRegistry> {
  const log = quiet
    ? { level: "error", formatter: "text", accesslog: { disabled: true } }
    : { level: "info", formatter: "text" };
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const config = {
      version: 0.1,
      log,
      storage: {
        filesystem: { rootdirectory: join(dir, "data") },
        delete: { enabled: true },
        maintenance: { uploadpurging: { enabled: false } },
      },
      http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString("hex") },
      ...(auth ? { auth } : {}),
    };
    // YAML is a superset of JSON, so JSON avoids any quoting surprises.
    const configPath = join(dir, "config.yml");
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const logFd = openSync(logFile, "a");
    const child = spawn(REGISTRY_BINARY, ["serve", configPath], {
      stdio: ["ignore", logFd, logFd],
    });
    closeSync(logFd);
    const spawnFailed = new Promise<never>((_, reject) => child.once("error", reject));
    spawnFailed.catch(() => {});
    if (child.pid === undefined) await spawnFailed;
    const guarded = guardProcess(child, dir);
    let exited = false;
    child.once("exit", () => {
      exited = true;
    });
    try {
      await waitUntilReady(`http://127.0.0.1:${port}`, () => exited, logFile);
      return { port, process: guarded };
    } catch (err) {
      await guarded.stop(1_000);
      const portTaken = (await logTail(logFile)).includes("address already in use");
      if (!portTaken || attempt >= START_ATTEMPTS) throw err;
    }
  }
}

function randomPassword(): string {
  return randomBytes(12).toString("base64url");
}

/** Starts Debian's Distribution 2.8 registry on a free 127.0.0.1 port in a fresh temp dir. */
export async function startRegistry(options: StartRegistryOptions): Promise<Registry> {
  const { mode } = options;
  const dir = makeTempDir(`registry-${mode}`);
  const credentials = options.credentials ?? { username: "imgverify", password: randomPassword() };
  const denied: Credentials = { username: "denied", password: randomPassword() };
  let tokenServer: TokenServer | undefined;
  try {
    const htpasswdPath = mode === "basic" ? await writeHtpasswd(dir, credentials) : undefined;
    if (mode === "token") {
      tokenServer = await startTokenServer({
        dir,
        service: "imgverify-test-registry",
        issuer: "imgverify-test-token-issuer",
        users: { [credentials.username]: credentials.password, [denied.username]: denied.password },
        deniedUsers: [denied.username],
      });
    }
    const logFile = join(dir, "registry.log");
    const auth = authSection(mode, htpasswdPath, tokenServer);
    const running = await launch(dir, auth, logFile, options.quiet ?? false);
    const server = tokenServer;
    const info: RegistryInfo = {
      mode,
      host: `127.0.0.1:${running.port}`,
      url: `http://127.0.0.1:${running.port}`,
      ...(mode === "anonymous" ? {} : credentials),
      ...(server
        ? {
            token: {
              realm: server.realm,
              service: server.service,
              issuer: server.issuer,
              denied,
            },
          }
        : {}),
    };
    let stopping: Promise<void> | undefined;
    return {
      ...info,
      ...(server ? { tokenServer: server } : {}),
      pid: running.process.pid,
      logFile,
      info: () => structuredClone(info),
      stop() {
        stopping ??= (async () => {
          await running.process.stop();
          await server?.close();
          removeTempDir(dir);
        })();
        return stopping;
      },
    };
  } catch (err) {
    await tokenServer?.close();
    removeTempDir(dir);
    throw err;
  }
}
