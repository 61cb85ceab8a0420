import { describe, expect, it } from "vitest";
import packageJson from "../../../package.json" with { type: "json" };
import { type Command, defineCommand } from "../../../src/cli/command.ts";
import { runCli } from "../../../src/cli/main.ts";
import { ImgverifyError } from "../../../src/errors.ts";
import { OciError } from "../../../src/oci/errors.ts";
import { fakeIo } from "./fake-io.ts";

/** A command that records what it was given, or throws `error`. */
function probe(error?: unknown): { command: Command; seen: unknown[] } {
  const seen: unknown[] = [];
  const command = defineCommand({
    name: "probe",
    summary: "Probe the dispatcher.",
    usage: "[--level N] ARGS...",
    details: "Records its arguments.",
    flags: { level: { type: "string", value: "N", description: "A level." } },
    async run({ flags, positionals, global }) {
      if (error !== undefined) throw error;
      seen.push({ flags, positionals, global });
      return 0;
    },
  });
  return { command, seen };
}

describe("runCli dispatch", () => {
  it("prints the version", async () => {
    const io = fakeIo();
    expect(await runCli(["--version"], io)).toBe(0);
    expect(io.out).toBe(`imgverify ${packageJson.version}\n`);
  });

  it("prints the command table for --help, -h and help", async () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) {
      const io = fakeIo();
      expect(await runCli(argv, io)).toBe(0);
      expect(io.out).toMatch(/^imgverify \d+\.\d+\.\d+: /);
      for (const name of ["digest", "resolve", "serve", "help [COMMAND]"]) {
        expect(io.out).toMatch(new RegExp(`^  ${name.replace(/[[\]]/g, "\\$&")} +\\S`, "m"));
      }
      expect(io.out).toContain("--insecure-registry HOST:PORT");
      expect(io.out).toMatch(/^ {2}1 +The answer is no/m);
      expect(io.err).toBe("");
    }
  });

  it("prints a command's help for 'help NAME' and 'NAME --help'", async () => {
    const a = fakeIo();
    const b = fakeIo();
    expect(await runCli(["help", "digest"], a)).toBe(0);
    expect(await runCli(["digest", "--help"], b)).toBe(0);
    expect(a.out).toBe(b.out);
    expect(a.out).toContain("Usage: imgverify digest [--impl wasm|noble|webcrypto] FILE...");
    expect(a.out).toContain("--impl IMPL");
    expect(a.out).toContain("Global flags:");
  });

  it("is a usage error without a command", async () => {
    const io = fakeIo();
    expect(await runCli([], io)).toBe(2);
    expect(io.err).toBe("imgverify: no command given (see 'imgverify --help')\n");
    expect(io.out).toBe("");
  });

  it("names an unknown command", async () => {
    const io = fakeIo();
    expect(await runCli(["verfy", "x"], io)).toBe(2);
    expect(io.err).toBe(`imgverify: unknown command "verfy" (see 'imgverify --help')\n`);
  });

  it("refuses help for an unknown command", async () => {
    const io = fakeIo();
    expect(await runCli(["help", "nope"], io)).toBe(2);
    expect(io.err).toContain('no help for unknown command "nope"');
  });

  it("names an unknown flag and points at the command's help", async () => {
    const io = fakeIo();
    expect(await runCli(["digest", "--fast", "f"], io)).toBe(2);
    expect(io.err).toBe("imgverify: unknown flag --fast (see 'imgverify digest --help')\n");
  });

  it("reports errors as JSON on stdout with --json, even when parsing fails", async () => {
    const io = fakeIo();
    expect(await runCli(["--json", "digest", "--timeout"], io)).toBe(2);
    expect(io.err).toBe("");
    expect(JSON.parse(io.out)).toEqual({
      error: {
        code: "CLI_USAGE",
        message: "flag --timeout needs a value (DURATION) (see 'imgverify digest --help')",
      },
    });
  });

  it("finds the command after global flags and their values, and parses flags on either side", async () => {
    const { command, seen } = probe();
    const io = fakeIo();
    const argv = ["--timeout", "3s", "probe", "a", "--level", "2", "--insecure-registry=h:1", "b"];
    expect(await runCli(argv, io, [command])).toBe(0);
    expect(seen).toEqual([
      {
        flags: expect.objectContaining({ level: "2", timeout: "3s", json: false }),
        positionals: ["a", "b"],
        global: {
          json: false,
          timeoutMs: 3_000,
          insecureRegistries: ["h:1"],
          registryConfig: undefined,
        },
      },
    ]);
  });

  it("defaults the timeout to 30s and rejects an invalid one as a usage error", async () => {
    const { command, seen } = probe();
    expect(await runCli(["probe"], fakeIo(), [command])).toBe(0);
    expect(seen[0]).toMatchObject({ global: { timeoutMs: 30_000 } });
    const io = fakeIo();
    expect(await runCli(["probe", "--timeout", "3 seconds"], io, [command])).toBe(2);
    expect(io.err).toContain('invalid duration "3 seconds" for --timeout');
  });

  it("exits 1 when the answer is no (not found) and 2 when there is no answer", async () => {
    const cases: [unknown, number, string][] = [
      [new OciError("NOT_FOUND", "tag x not found"), 1, "imgverify: tag x not found\n"],
      [new OciError("UNAUTHORIZED", "registry said 401"), 2, "imgverify: registry said 401\n"],
      [new OciError("TIMEOUT", "gave up after 3s"), 2, "imgverify: gave up after 3s\n"],
      [new ImgverifyError("CLI_FILE_UNREADABLE", "cannot read f"), 2, "imgverify: cannot read f\n"],
      [new TypeError("x is undefined"), 2, "imgverify: internal error: x is undefined\n"],
      [
        new OciError("NETWORK", "resolving x: fetch failed", {
          cause: new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED :9") }),
        }),
        2,
        "imgverify: resolving x: fetch failed: connect ECONNREFUSED :9\n",
      ],
      [
        new ImgverifyError("CLI_FILE_UNREADABLE", 'cannot read file "f": no such file', {
          cause: new Error("ENOENT: no such file or directory, open 'f'"),
        }),
        2,
        'imgverify: cannot read file "f": no such file\n',
      ],
    ];
    for (const [error, exit, stderr] of cases) {
      const io = fakeIo();
      expect(await runCli(["probe"], io, [probe(error).command])).toBe(exit);
      expect(io.err).toBe(stderr);
    }
  });

  it("keeps the error code in JSON output", async () => {
    const io = fakeIo();
    const error = new OciError("NOT_FOUND", "tag x not found");
    expect(await runCli(["probe", "--json"], io, [probe(error).command])).toBe(1);
    expect(JSON.parse(io.out)).toEqual({
      error: { code: "NOT_FOUND", message: "tag x not found" },
    });
  });
});
