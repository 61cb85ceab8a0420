/**
 * `serve` as each runtime's `npm run start:<runtime>` script starts it (Node
 * through bin/imgverify.js, Bun and Deno through src/runtime/). Each must
 * print where it listens, answer /healthz and /readyz, and stop on SIGTERM,
 * and refuse an IMGVERIFY_* variable it does not read.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { guardProcess, makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { childEnv, listeningUrl } from "../../support/cli.ts";
import { serveEntries } from "../../support/serve-entries.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const READY_TIMEOUT_MS = 30_000;

const entries = serveEntries;

/**
 * /readyz once it says ready: the server listens before the WASM core has
 * compiled, and answers 503 "loading" until then.
 */
async function readiness(url: string): Promise<unknown> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const res = await fetch(`${url}/readyz`);
    const body = await res.json();
    if (res.status === 200 || Date.now() > deadline) return body;
    expect({ status: res.status, body }).toEqual({ status: 503, body: { status: "loading" } });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const dir = makeTempDir("serve");
afterAll(() => removeTempDir(dir));

describe.each(Object.entries(entries))("serve on %s", (_runtime, [command, ...args]) => {
  it("listens, answers /healthz and /readyz, and stops on SIGTERM", async () => {
    const child = spawn(command as string, [...args, "--port", "0"], {
      cwd: root,
      env: childEnv({ DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const guarded = guardProcess(child, dir);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      const listening = listeningUrl(child, READY_TIMEOUT_MS, () => stderr);
      const url = await listening.url;
      const stdout = listening.stdout();
      expect(stdout).toContain(`Try: curl ${url}/healthz`);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok" });
      expect(await readiness(url)).toEqual({ status: "ready", sha256: "wasm" });

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toContain('"message":"shutting down","signal":"SIGTERM"');
    } finally {
      await guarded.stop();
    }
  });

  it("refuses to start on an IMGVERIFY_* name it does not read, naming it", async () => {
    const child = spawn(command as string, args, {
      cwd: root,
      env: childEnv({ DENO_NO_UPDATE_CHECK: "1", IMGVERIFY_POLICY: "/etc/policies" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const guarded = guardProcess(child, dir);
    let output = "";
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding("utf8").on("data", (text: string) => {
        output += text;
      });
    }
    try {
      expect(await new Promise((resolve) => child.on("close", resolve))).toBe(2);
      expect(output).toContain("unknown environment variable IMGVERIFY_POLICY:");
      expect(output).not.toContain("listening");
    } finally {
      await guarded.stop();
    }
  });
});
