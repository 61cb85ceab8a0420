/**
 * The files a command line argument names: the file itself, or the matching
 * files under a directory, walked with `node:` APIs (Node, Bun and Deno all
 * provide them).
 */
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { usageError } from "../cli/errors.ts";
import type { ListFilesOptions } from "../cli/io.ts";
import { ImgverifyError } from "../errors.ts";
import { fileErrorReason } from "./docker-config.ts";

/** Deeper than any policy tree; a symbolic link loop ends here. */
const MAX_DEPTH = 32;
/** Directory entries looked at in one walk, matching or not: `/` is not walked to the end. */
const MAX_ENTRIES = 100_000;

function unreadable(
  what: string,
  path: string,
  err: unknown,
): ImgverifyError<"CLI_FILE_UNREADABLE"> {
  return new ImgverifyError(
    "CLI_FILE_UNREADABLE",
    `cannot read ${what} "${path}": ${fileErrorReason(err)}`,
    { cause: err },
  );
}

/** Code-unit order, the same on every runtime and locale. */
function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A symbolic link is followed: walked when it leads to a directory, a file otherwise (even broken). */
async function isDirectory(path: string, entry: Dirent): Promise<boolean> {
  if (!entry.isSymbolicLink()) return entry.isDirectory();
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** `CliIo.listFiles`: bounded in files found, entries looked at and depth. */
export async function listFiles(path: string, options: ListFilesOptions): Promise<string[]> {
  const top = await stat(path).catch((err: unknown) => {
    throw unreadable("file", path, err);
  });
  if (!top.isDirectory()) return [path];
  const found: string[] = [];
  let entriesSeen = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) {
      throw usageError(`directory "${path}" nests more than ${MAX_DEPTH} levels deep at "${dir}"`);
    }
    const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
      throw unreadable("directory", dir, err);
    });
    entriesSeen += entries.length;
    if (entriesSeen > MAX_ENTRIES) {
      throw usageError(`directory "${path}" holds more than ${MAX_ENTRIES} entries`);
    }
    for (const entry of entries.sort(byName)) {
      const child = join(dir, entry.name);
      if (await isDirectory(child, entry)) await walk(child, depth + 1);
      else if (options.extensions.some((ext) => entry.name.endsWith(ext))) found.push(child);
      if (found.length > options.maxFiles) {
        throw usageError(
          `directory "${path}" holds more than ${options.maxFiles} ${options.extensions.join("/")} files; name fewer files or a smaller directory`,
        );
      }
    }
  };
  await walk(path, 0);
  return found;
}
