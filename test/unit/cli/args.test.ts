import { describe, expect, it } from "vitest";
import { type FlagSpecs, firstPositional, parseArgs } from "../../../src/cli/flags/args.ts";
import { isImgverifyError } from "../../../src/errors.ts";

const specs = {
  json: { type: "boolean", description: "json" },
  help: { type: "boolean", short: "h", description: "help" },
  timeout: { type: "string", value: "DURATION", description: "timeout" },
  "insecure-registry": { type: "string", multiple: true, value: "HOST:PORT", description: "x" },
} as const satisfies FlagSpecs;

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (isImgverifyError(err, "CLI_USAGE")) return err.message;
    throw err;
  }
  throw new Error("expected a usage error");
}

describe("parseArgs", () => {
  it("reads booleans, values in both spellings, repeats and positionals in any order", () => {
    const { flags, positionals } = parseArgs(
      [
        "a",
        "--timeout",
        "3s",
        "--json",
        "b",
        "--insecure-registry=x:1",
        "--insecure-registry",
        "y:2",
      ],
      specs,
    );
    expect(flags).toEqual({
      json: true,
      help: false,
      timeout: "3s",
      "insecure-registry": ["x:1", "y:2"],
    });
    expect(positionals).toEqual(["a", "b"]);
  });

  it("gives defaults when flags are absent", () => {
    expect(parseArgs([], specs).flags).toEqual({
      json: false,
      help: false,
      timeout: undefined,
      "insecure-registry": [],
    });
  });

  it("accepts short aliases, a lone '-' and everything after '--' as positionals", () => {
    const { flags, positionals } = parseArgs(["-h", "-", "--", "--json", "-x"], specs);
    expect(flags.help).toBe(true);
    expect(flags.json).toBe(false);
    expect(positionals).toEqual(["-", "--json", "-x"]);
  });

  it("keeps an '=' inside the value", () => {
    expect(parseArgs(["--timeout=a=b"], specs).flags.timeout).toBe("a=b");
  });

  it("names an unknown flag and points at the command's help", () => {
    expect(usageMessage(() => parseArgs(["--jsn"], specs, "digest"))).toBe(
      "unknown flag --jsn (see 'imgverify digest --help')",
    );
    expect(usageMessage(() => parseArgs(["-x"], specs))).toBe(
      "unknown flag -x (see 'imgverify --help')",
    );
    expect(usageMessage(() => parseArgs(["--jsn=1"], specs))).toContain("unknown flag --jsn ");
  });

  it("rejects a missing value, naming the flag and what it expects", () => {
    expect(usageMessage(() => parseArgs(["--timeout"], specs))).toBe(
      "flag --timeout needs a value (DURATION) (see 'imgverify --help')",
    );
    expect(usageMessage(() => parseArgs(["--timeout", "--json"], specs))).toContain(
      "flag --timeout needs a value",
    );
  });

  it("rejects a value on a boolean and a single-valued flag given twice", () => {
    expect(usageMessage(() => parseArgs(["--json=yes"], specs))).toContain(
      "flag --json takes no value",
    );
    expect(usageMessage(() => parseArgs(["--timeout", "1s", "--timeout=2s"], specs))).toContain(
      "flag --timeout given twice",
    );
  });

  it("does not mistake inherited object keys for flags", () => {
    expect(usageMessage(() => parseArgs(["--constructor"], specs))).toContain(
      "unknown flag --constructor",
    );
  });

  it("bounds the number of arguments", () => {
    const many = Array.from({ length: 10_001 }, () => "x");
    expect(usageMessage(() => parseArgs(many, specs))).toContain("too many arguments");
  });
});

describe("firstPositional", () => {
  it("skips leading flags and the values of string flags", () => {
    expect(firstPositional(["--timeout", "3s", "--json", "resolve", "x"], specs)).toBe(3);
    expect(firstPositional(["--timeout=3s", "digest"], specs)).toBe(1);
    expect(firstPositional(["--unknown", "digest"], specs)).toBe(1);
  });

  it("returns -1 when there is no positional", () => {
    expect(firstPositional(["--json", "--timeout", "3s"], specs)).toBe(-1);
    expect(firstPositional(["--"], specs)).toBe(-1);
  });

  it("treats the argument after '--' as the first positional", () => {
    expect(firstPositional(["--", "--json"], specs)).toBe(1);
  });
});
