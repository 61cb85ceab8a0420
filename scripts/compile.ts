/**
 * `npm run build:exe`: the CLI (serve, verify, certs ...) as one executable,
 * dist/imgverify, with the WASM SHA-256 core embedded. The .wasm file is a
 * second entry point, which `bun build --compile` embeds as a file; the
 * runtime finds it in `Bun.embeddedFiles` (src/runtime/sha256-file.ts).
 * The Sigstore trusted root (@sigstore/tuf seeds.json) is a JSON import and
 * is bundled like code.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const EXE_PATH = "dist/imgverify";

const root = fileURLToPath(new URL("..", import.meta.url));
// Under Bun (the Dockerfile's build stage) the running binary; under Node the npm package's.
const bun = process.versions.bun
  ? process.execPath
  : fileURLToPath(new URL("../node_modules/.bin/bun", import.meta.url));

/** Builds dist/imgverify; returns the build time in ms. */
export function compile(): number {
  // What bin/imgverify.js does on Node: every subcommand, not bun.ts's serve-only entry.
  const entry = ".tmp/compile-entry.ts";
  mkdirSync(`${root}/.tmp`, { recursive: true });
  writeFileSync(
    `${root}/${entry}`,
    'import { main } from "../src/runtime/cli.ts";\n\nawait main();\n',
  );

  const args = [
    "build",
    "--compile",
    "--minify-syntax",
    "--asset-naming=[name].[ext]",
    `--outfile=${EXE_PATH}`,
    entry,
    "wasm/build/sha256.wasm",
  ];

  const started = performance.now();
  const result = spawnSync(bun, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`bun build --compile exited ${result.status}`);
  const ms = Math.round(performance.now() - started);
  console.log(`${EXE_PATH} built in ${ms} ms`);
  return ms;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) compile();
