/**
 * Writes a command's output files with `node:` APIs (Node, Bun and Deno all
 * provide them): every existing file is found before anything is written, so
 * a refusal leaves no half-written set behind.
 */
import { chmod, lstat, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { OutputFile } from "../cli/io.ts";
import { ImgverifyError } from "../errors.ts";
import { fileErrorReason } from "./docker-config.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return false;
    throw unwritable(path, err);
  }
}

function unwritable(path: string, err: unknown): ImgverifyError<"CLI_FILE_UNWRITABLE"> {
  return new ImgverifyError(
    "CLI_FILE_UNWRITABLE",
    `cannot write file "${path}": ${fileErrorReason(err)}`,
    { cause: err },
  );
}

export async function writeFiles(
  files: readonly OutputFile[],
  { overwrite }: { overwrite: boolean },
): Promise<void> {
  if (!overwrite) {
    const present = await Promise.all(files.map((f) => exists(f.path)));
    const taken = files.filter((_, i) => present[i]).map((f) => `"${f.path}"`);
    if (taken.length > 0) {
      throw new ImgverifyError(
        "CLI_FILE_EXISTS",
        `not overwriting ${taken.join(", ")} (give --force to replace)`,
      );
    }
  }
  for (const file of files) {
    try {
      await mkdir(dirname(file.path), { recursive: true });
      // A file that existed keeps its old bits through writeFile: narrow them before a key goes in.
      if (overwrite && (await exists(file.path))) await chmod(file.path, file.mode);
      // "wx" also closes the window between the check above and this write.
      await writeFile(file.path, file.text, { mode: file.mode, flag: overwrite ? "w" : "wx" });
      // The umask may have narrowed `mode` on a new file; the bits asked for are what is wanted.
      await chmod(file.path, file.mode);
    } catch (err) {
      throw unwritable(file.path, err);
    }
  }
}
