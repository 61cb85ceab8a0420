/** Choosing an implementation: the default, explicit names, and the fallback when WASM fails. */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  getSha256,
  selectSha256,
  WEBCRYPTO_ONE_SHOT_MIN_BYTES,
} from "../../../src/digest/select.ts";
import { createWasmSha256 } from "../../../src/digest/wasm.ts";
import { loadSha256, loadSha256Module } from "../../../src/runtime/sha256-file.ts";

function recordingLogger(): {
  warn: (message: string, fields?: Record<string, unknown>) => void;
  lines: unknown[][];
} {
  const lines: unknown[][] = [];
  return { lines, warn: (message, fields) => lines.push([message, fields]) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("selecting a SHA-256", () => {
  it("defaults to the WASM core when the module loads", async () => {
    const logger = recordingLogger();
    const sha256 = await loadSha256(undefined, logger);
    expect(sha256.impl).toBe("wasm");
    expect(logger.lines).toEqual([]);
  });

  it("gives exactly the named implementation", async () => {
    const module = await loadSha256Module();
    expect((await getSha256("wasm", module)).impl).toBe("wasm");
    expect((await getSha256("noble")).impl).toBe("noble");
    expect((await getSha256("webcrypto")).impl).toBe("webcrypto");
  });

  it("falls back to @noble/hashes with the reason logged when the module does not load", async () => {
    const logger = recordingLogger();
    const sha256 = await selectSha256(
      undefined,
      () => Promise.reject(new Error("sha256.wasm: no such file")),
      logger,
    );
    expect(sha256.impl).toBe("noble");
    expect(logger.lines).toHaveLength(1);
    expect(JSON.stringify(logger.lines[0])).toContain("no such file");
  });

  it("does not fall back when wasm is asked for by name", async () => {
    const failing = (): Promise<WebAssembly.Module> => Promise.reject(new Error("no such file"));
    await expect(selectSha256("wasm", failing, recordingLogger())).rejects.toMatchObject({
      code: "DIGEST_WASM_INVALID",
    });
    await expect(getSha256("wasm")).rejects.toMatchObject({ code: "DIGEST_WASM_INVALID" });
  });

  it("refuses something that is not a module with DIGEST_WASM_INVALID", async () => {
    await expect(createWasmSha256({} as WebAssembly.Module)).rejects.toMatchObject({
      code: "DIGEST_WASM_INVALID",
    });
  });

  it("sends one-shot inputs to WebCrypto from the threshold on, not below", async () => {
    const sha256 = await loadSha256();
    const digest = vi.spyOn(crypto.subtle, "digest");
    await sha256.hash(new Uint8Array(WEBCRYPTO_ONE_SHOT_MIN_BYTES - 1));
    expect(digest).not.toHaveBeenCalled();
    await sha256.hash(new Uint8Array(WEBCRYPTO_ONE_SHOT_MIN_BYTES));
    expect(digest).toHaveBeenCalledTimes(1);
  });
});
