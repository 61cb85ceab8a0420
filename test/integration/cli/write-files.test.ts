import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../src/errors.ts";
import { writeFiles } from "../../../src/runtime/write-files.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "imgverify-write-"));
  dirs.push(dir);
  return dir;
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("writeFiles", () => {
  it("creates parent directories and sets each file's mode", async () => {
    const dir = tempDir();
    const key = join(dir, "new/sub/tls.key");
    await writeFiles(
      [
        { path: key, text: "key", mode: 0o600 },
        { path: join(dir, "new/ca.crt"), text: "ca", mode: 0o644 },
      ],
      { overwrite: false },
    );
    expect(readFileSync(key, "utf8")).toBe("key");
    expect(modeOf(key)).toBe(0o600);
    expect(modeOf(join(dir, "new/ca.crt"))).toBe(0o644);
  });

  it("writes nothing when one file exists, naming it; with overwrite narrows its mode", async () => {
    const dir = tempDir();
    const key = join(dir, "tls.key");
    writeFileSync(key, "old");
    chmodSync(key, 0o644);
    const files = [
      { path: join(dir, "ca.crt"), text: "ca", mode: 0o644 },
      { path: key, text: "new", mode: 0o600 },
    ];
    const err = await writeFiles(files, { overwrite: false }).catch((e: unknown) => e);
    expect(isImgverifyError(err, "CLI_FILE_EXISTS")).toBe(true);
    expect((err as Error).message).toContain(`"${key}"`);
    expect(() => statSync(join(dir, "ca.crt"))).toThrow();
    await writeFiles(files, { overwrite: true });
    expect(readFileSync(key, "utf8")).toBe("new");
    expect(modeOf(key)).toBe(0o600);
  });

  it("reports a file that cannot be written as CLI_FILE_UNWRITABLE", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "plain"), "a file, not a directory");
    const err = await writeFiles([{ path: join(dir, "plain/x"), text: "", mode: 0o644 }], {
      overwrite: false,
    }).catch((e: unknown) => e);
    expect(isImgverifyError(err, "CLI_FILE_UNWRITABLE")).toBe(true);
  });
});
