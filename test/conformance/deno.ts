/**
 * Runs a script on Deno with the crypto alias (see crypto-shim-bundle.ts):
 *   npx deno run -A test/conformance/deno.ts [--cli]                  the conformance run
 *   npx deno run -A test/conformance/deno.ts bench/verify-bundle.ts   another script
 * The script sees the remaining arguments in process.argv.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { importWithCryptoShim } from "./crypto-shim-bundle.ts";

const script = process.argv.slice(2).find((arg) => arg.endsWith(".ts"));
const entry = script ? pathToFileURL(resolve(script)) : new URL("./run.ts", import.meta.url);
await importWithCryptoShim(entry);
