// Builds wasm/build/sha256.wasm from wasm/assembly/sha256.ts (`npm run build:wasm`).
// The output is committed so installs need no compiler; the build is
// deterministic and test/unit/digest/wasm-build.test.ts checks that a rebuild
// matches the committed bytes.
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const here = fileURLToPath(new URL(".", import.meta.url));
export const sourcePath = `${here}assembly/sha256.ts`;
export const outputPath = `${here}build/sha256.wasm`;

/** Compiler flags: speed first, no GC runtime, no assertion traps, SIMD on. */
const flags = ["-O3", "--runtime", "stub", "--noAssert", "--enable", "simd"];

/** Compiles the AssemblyScript source; resolves to the module's bytes. */
export async function compileSha256() {
  let binary;
  let diagnostics = "";
  const { error } = await asc.main([sourcePath, ...flags, "--outFile", "sha256.wasm"], {
    writeFile(name, contents) {
      if (name === "sha256.wasm") binary = contents;
    },
    stdout: { write: () => {} },
    stderr: {
      write(text) {
        diagnostics += String(text);
      },
    },
  });
  // Warnings count as failures: the source is meant to compile clean.
  if (error || diagnostics.trim() !== "" || !binary) {
    throw new Error(`AssemblyScript build of ${sourcePath} failed:\n${diagnostics || error}`);
  }
  return binary;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const binary = await compileSha256();
  await mkdir(`${here}build`, { recursive: true });
  await writeFile(outputPath, binary);
  console.log(`wrote ${outputPath} (${binary.length} bytes)`);
}
