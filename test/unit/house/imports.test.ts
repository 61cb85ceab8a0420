/**
 * The floors of docs/ARCHITECTURE.md, held: no import cycle anywhere in
 * src/, and no folder importing one above it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));

/** Top to bottom; a folder may import its own floor and those below. */
const FLOORS: readonly (readonly string[])[] = [
  ["runtime"],
  ["cli"],
  ["http", "demo"],
  ["engine"],
  ["admission", "policy", "oci"],
  ["verify"],
  ["crypto", "digest", "store", "encoding", "time"],
];
const SEAMS = new Set(["deps.ts", "errors.ts"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)["'](\.{1,2}\/[^"']+)["']/gm;

/** Each file of src/ (relative) and the src/ files it imports, type-only imports included. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(SPECIFIER)]
      .map((m) => normalize(join(dirname(file), m[1] as string)))
      .filter((target) => target.startsWith(SRC) && target.endsWith(".ts"))
      .map((target) => relative(SRC, target));
    graph.set(relative(SRC, file), [...new Set(targets)]);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") found.push(path.slice(path.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

const floorOf = (file: string): number => {
  const folder = file.split("/")[0] as string;
  return FLOORS.findIndex((floor) => floor.includes(folder));
};

describe("src/ imports", () => {
  const graph = importGraph();

  it("form no cycle", () => {
    expect(cycles(graph)).toEqual([]);
  });

  it("point down the floors only, every folder on one", () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      if (SEAMS.has(file)) continue;
      expect(floorOf(file), `${file} is on no floor`).toBeGreaterThanOrEqual(0);
      for (const target of targets) {
        if (SEAMS.has(target)) continue;
        if (floorOf(target) < floorOf(file)) upward.push(`${file} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("finds a cycle when there is one (the check is live)", () => {
    const looped = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["a.ts"]],
    ]);
    expect(cycles(looped)).toEqual([["a.ts", "b.ts"]]);
  });
});
