import { describe, expect, it } from "vitest";
import { type CpuProfile, summarizeCpuProfile } from "../../../bench/throughput/profile.ts";

const ROOT = "/repo/";
const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url, lineNumber: 9 },
  children,
});

// root -> start-up module; root -> handler -> decode -> JSON.parse (native); root -> idle
const profile: CpuProfile = {
  nodes: [
    frame(1, "(root)", "", [2, 3, 6]),
    frame(2, "(module)", "file:///repo/src/cli/main.ts"),
    frame(3, "admit", "file:///repo/src/http/webhook.ts", [4]),
    frame(4, "decode", "file:///repo/src/admission/decode.ts", [5]),
    frame(5, "parse", ""),
    frame(6, "", ""),
  ],
  samples: [2, 2, 3, 4, 5, 5, 6, 6, 2],
  timeDeltas: [0, 100, 100, 100, 100, 100, 100, 100, 100, 100],
};

describe("the bench's CPU profile summary", () => {
  it("counts from the first admission, leaves idle out and puts a native call under its caller's area", () => {
    const summary = summarizeCpuProfile(profile, ROOT, 2);
    // Samples 2..5 and the late start-up frame: 5 samples of 100 us.
    expect(summary.sampledMs).toBe(0.5);
    expect(summary.usPerAdmission).toBe(250);
    expect(summary.areas).toEqual([
      { name: "src/admission", share: 0.6 },
      { name: "src/http", share: 0.2 },
      { name: "src/cli", share: 0.2 },
    ]);
    expect(summary.functions[0]).toEqual({
      name: "parse (native)",
      area: "src/admission",
      share: 0.4,
    });
  });

  it("names a dependency by its package, scoped or not", () => {
    const deps: CpuProfile = {
      nodes: [
        frame(1, "(root)", "", [2]),
        frame(2, "admit", "file:///repo/src/http/webhook.ts", [3, 4]),
        frame(3, "dispatch", "file:///repo/node_modules/hono/dist/hono-base.js"),
        frame(4, "sha256", "file:///repo/node_modules/@noble/hashes/sha2.js"),
      ],
      samples: [2, 3, 4, 4],
      timeDeltas: [0, 100, 100, 100, 100],
    };
    const names = summarizeCpuProfile(deps, ROOT, 1).areas.map((a) => a.name);
    expect(names).toEqual(["@noble/hashes", "src/http", "hono"]);
  });
});
