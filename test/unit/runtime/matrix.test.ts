/**
 * Proves which runtime the unit tests run on: test/runtimes/run.sh names the
 * runtime it launches, and if the run silently fell back to another one (say,
 * vitest forking Node under Bun), this fails. Outside the matrix nothing is
 * named and that check is skipped.
 *
 * Also proves each runtime gets the WASM SHA-256 core its own way: the file
 * loader reads and compiles the module's bytes (Node, Bun, Deno); workerd
 * refuses that, and its vitest config swaps in the Worker loader, which imports
 * the module. Asking for "wasm" exactly means no quiet fallback to @noble.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, inject, it } from "vitest";
import { loadSha256 } from "../../../src/runtime/sha256-file.ts";
import { detectRuntime } from "../../runtimes/detect-runtime.ts";

const expected = inject("imgverifyRuntime");

describe.skipIf(expected === null)("runtime matrix self-check", () => {
  it(`runs on ${expected}`, () => {
    expect(detectRuntime()).toBe(expected);
  });
});

describe("the runtime's SHA-256 loader", () => {
  it("yields the WASM core, agreeing with WebCrypto", async () => {
    const sha256 = await loadSha256("wasm");
    expect(sha256.impl).toBe("wasm");
    // Longer than one 64-byte block and not a multiple of it.
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff);
    const reference = bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", data)));
    const stream = sha256.stream();
    stream.update(data.subarray(0, 100));
    stream.update(data.subarray(100));
    expect(bytesToHex(stream.digest())).toBe(reference);
    expect(bytesToHex(await sha256.hash(data))).toBe(reference);
  });
});
