import { describe, expect, it } from "vitest";
import { type Clock, silentLogger } from "../../../src/deps.ts";
import { digestsEqual, fixedToken, sha256Text, tokenFile } from "../../../src/http/bearer-token.ts";
import { loadSha256 } from "../../../src/runtime/sha256-file.ts";

const A = "token-a-0123456789abcdef";
const B = "token-b-0123456789abcdef";

function manualClock() {
  let now = 0;
  const clock: Clock = { now: () => now, sleep: () => Promise.resolve() };
  return { clock, advance: (ms: number) => (now += ms) };
}

function recordingLogger() {
  const lines: string[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return {
    lines,
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
  };
}

describe("bearer tokens", () => {
  it("compares digests, not tokens, and equal only when every byte is", async () => {
    const [a, b] = [await sha256Text(A), await sha256Text(B)];
    expect(digestsEqual(a, await sha256Text(A))).toBe(true);
    expect(digestsEqual(a, b)).toBe(false);
    expect(digestsEqual(a, a.subarray(0, 31))).toBe(false);
    expect(await (await fixedToken(` ${A}\n`, "t")).digest()).toEqual(a);
  });

  it("hashes a presented token alike with the WASM core and with @noble/hashes", async () => {
    const wasm = await loadSha256("wasm", silentLogger);
    const webcrypto = await loadSha256("webcrypto", silentLogger);
    for (const token of [A, B, "x".repeat(200)]) {
      const reference = await sha256Text(token);
      expect(await sha256Text(token, wasm)).toEqual(reference);
      expect(await sha256Text(token, webcrypto)).toEqual(reference);
    }
  });

  it("refuses tokens that are empty, short, or hold white space, without quoting them", async () => {
    await expect(fixedToken("\n", "the file")).rejects.toMatchObject({
      code: "AUTH_TOKEN_INVALID",
      message: "the file is empty",
    });
    await expect(fixedToken("abc", "t")).rejects.toThrow(/3 characters long; at least 16/);
    const spaced = "0123456789 abcdef";
    await expect(fixedToken(spaced, "t")).rejects.toThrow(/white space/);
    await expect(fixedToken(spaced, "t")).rejects.not.toThrow(spaced);
  });

  it("reads a token file again once a second, and keeps the last good token when a read fails", async () => {
    const { clock, advance } = manualClock();
    const { lines, logger } = recordingLogger();
    let content: string | Error = `${A}\n`;
    let reads = 0;
    const read = async () => {
      reads++;
      if (content instanceof Error) throw content;
      return content;
    };
    const source = await tokenFile({ read, source: "the token file", clock, logger });
    expect(await source.digest()).toEqual(await sha256Text(A));
    content = B;
    advance(500);
    expect(await source.digest()).toEqual(await sha256Text(A));
    expect(reads).toBe(1);
    advance(600);
    expect(await source.digest()).toEqual(await sha256Text(B));
    expect(lines.at(-1)).toMatch(/^info auth token reloaded/);
    content = new Error("EACCES");
    advance(1000);
    expect(await source.digest()).toEqual(await sha256Text(B));
    content = "x";
    advance(1000);
    expect(await source.digest()).toEqual(await sha256Text(B));
    expect(lines.filter((l) => l.startsWith("warn"))).toHaveLength(2);
    expect(lines.join("\n")).not.toContain(B);
  });

  it("fails with a coded error when the file cannot be read at start", async () => {
    const { clock } = manualClock();
    const { logger } = recordingLogger();
    const read = () => Promise.reject(new Error("ENOENT"));
    await expect(tokenFile({ read, source: "f", clock, logger })).rejects.toMatchObject({
      code: "AUTH_TOKEN_UNREADABLE",
      message: "cannot read f: ENOENT",
    });
  });
});
