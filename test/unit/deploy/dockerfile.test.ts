import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXE_PATH } from "../../../scripts/compile.ts";

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions grouped by stage; comments and blank lines dropped, `\` continuations joined. */
function stages(text: string): { from: string; steps: Instruction[] }[] {
  const joined = text.replace(/\\\n/g, " ");
  const result: { from: string; steps: Instruction[] }[] = [];
  for (const line of joined.split("\n").map((l) => l.trim())) {
    if (line === "" || line.startsWith("#")) continue;
    const [op = "", ...rest] = line.split(/\s+/);
    const step = { op: op.toUpperCase(), args: rest.join(" ") };
    if (step.op === "FROM") result.push({ from: step.args, steps: [] });
    else result.at(-1)?.steps.push(step);
  }
  return result;
}

const text = readFileSync(new URL("../../../Dockerfile", import.meta.url), "utf8");
const all = stages(text);
const build = all[0];
const final = all.at(-1);
const steps = (op: string) => final?.steps.filter((s) => s.op === op) ?? [];
const bunVersion = JSON.parse(
  readFileSync(new URL("../../../node_modules/bun/package.json", import.meta.url), "utf8"),
).version;

describe("Dockerfile", () => {
  it("builds on oven/bun at node_modules/bun's version", () => {
    expect(build?.from).toMatch(
      new RegExp(`^oven/bun:${bunVersion.replace(/\./g, "\\.")} AS build$`),
    );
  });

  it("runs the final stage as a numeric non-root user", () => {
    const user = steps("USER").at(-1)?.args ?? "";
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(":")[0])).not.toBe(0);
  });

  it("copies only the executable build:exe produces, from the build stage", () => {
    const copies = steps("COPY");
    expect(copies).toEqual([{ op: "COPY", args: `--from=build /src/${EXE_PATH} /imgverify` }]);
  });

  it("enters through the executable and serves by default", () => {
    expect(JSON.parse(steps("ENTRYPOINT").at(-1)?.args ?? "null")).toEqual(["/imgverify"]);
    expect(JSON.parse(steps("CMD").at(-1)?.args ?? "null")).toEqual(["serve"]);
  });

  it("adds no remote URLs", () => {
    const adds = all.flatMap((s) => s.steps).filter((s) => s.op === "ADD");
    expect(adds.filter((s) => /https?:\/\//.test(s.args))).toEqual([]);
  });
});
