/** The shared corpora (IMGVERIFY_CORPORA, default ../shared/corpora); suites skip loudly without them. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export const corporaRoot: string = resolve(process.env.IMGVERIFY_CORPORA ?? "../shared/corpora");
export const corporaPresent: boolean = existsSync(join(corporaRoot, "kyverno-policies"));

if (!corporaPresent)
  console.warn(
    `SKIPPING policy corpora tests: no corpora at ${corporaRoot} (set IMGVERIFY_CORPORA)`,
  );

export function corpusText(path: string): string {
  return readFileSync(join(corporaRoot, path), "utf8");
}

/** Every .yaml/.yml file under `dir` (relative to the corpora root), sorted. */
export function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const path = join(abs, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) out.push(relative(corporaRoot, path));
    }
  };
  walk(join(corporaRoot, dir));
  return out;
}
