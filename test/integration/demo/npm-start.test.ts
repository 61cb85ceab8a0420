/**
 * `npm start`'s command with no flags: the demo. The two curl lines it prints
 * are run as printed, from the repository root, against the live server.
 */
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { guardProcess, makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { childEnv } from "../../support/cli.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const run = promisify(execFile);

const dir = makeTempDir("demo");
afterAll(() => removeTempDir(dir));

/** stdout once both curl lines are printed. */
function printedCurls(child: ReturnType<typeof spawn>, stderr: () => string): Promise<string[]> {
  let stdout = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no curl lines in ${READY_TIMEOUT_MS} ms: ${stdout}${stderr()}`)),
      READY_TIMEOUT_MS,
    );
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
      const curls = stdout.split("\n").filter((line) => line.startsWith("curl -s -X POST"));
      if (curls.length === 2) {
        clearTimeout(timer);
        resolve(curls);
      }
    });
  });
}

describe("npm start without --policy", () => {
  it("serves the demo: its admit curl line is allowed with a patch, its deny line refused", async () => {
    const child = spawn(`${root}node_modules/.bin/bun`, [`${root}src/runtime/bun.ts`], {
      cwd: root,
      env: childEnv({ IMGVERIFY_PORT: "0" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const guarded = guardProcess(child, dir);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      const [admit = "", deny = ""] = await printedCurls(child, () => stderr);
      expect(admit).toContain("@examples/admit.json");
      expect(deny).toContain("@examples/deny.json");
      const answer = async (line: string) =>
        JSON.parse((await run("sh", ["-c", line], { cwd: root, timeout: 20_000 })).stdout);
      const admitted = (await answer(admit)).response;
      expect(admitted).toMatchObject({ allowed: true, patchType: "JSONPatch" });
      expect(atob(admitted.patch)).toMatch(/demo\.imgverify\.local\/signed:v1@sha256:[0-9a-f]{64}/);
      const denied = (await answer(deny)).response;
      expect(denied.allowed).toBe(false);
      expect(denied.status.message).toContain(
        "failed to verify image demo.imgverify.local/unsigned:v1",
      );

      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      await guarded.stop();
    }
  });
});
