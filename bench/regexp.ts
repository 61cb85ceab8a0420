/**
 * Policy regular expressions: re2js (what src/verify/go-regexp.ts runs) against
 * the engine it replaced, a translation of Go syntax handed to JavaScript's
 * RegExp (commit aeeca32, src/policy/go-regexp.ts). One run prints
 *   1. conformance to Go on the cases of bench/regexp-cases.ts,
 *   2. compile+match and cached throughput on typical policy patterns,
 *   3. the catastrophic pattern ^(a+)+$ on 'a'*n+'!'.
 * `npm run bench:regexp` (Bun), `npx tsx bench/regexp.ts` (Node). Exits 1 when
 * re2js disagrees with Go on a case not marked as a known divergence.
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { RE2JS } from "re2js";
import { Bench } from "tinybench";
import { compileGoRegExp } from "../src/verify/go-regexp.ts";
import { type GoOutcome, outcome, REGEXP_CASES, type RegexpCase } from "./regexp-cases.ts";

const globals = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
const runtime = globals.Bun
  ? `Bun ${globals.Bun.version}`
  : globals.Deno
    ? `Deno ${globals.Deno.version.deno}`
    : `Node ${process.version}`;

/** The old translation (aeeca32), verbatim but for its error wrapping and length limit. */
function oldTranslate(pattern: string, extraFlags = ""): RegExp {
  const inline = /^\(\?([ims]+)\)/.exec(pattern);
  const flags = `${inline?.[1] ?? ""}${extraFlags}`;
  const source = pattern
    .slice(inline?.[0].length ?? 0)
    .replace(/\\A/g, "(?<![\\s\\S])")
    .replace(/\\z/g, "(?![\\s\\S])")
    .replace(/\(\?P</g, "(?<");
  return new RegExp(source, [...new Set(flags)].join(""));
}

// The old engine's cache, keyed as it was (flags/pattern); `lastIndex` reset on reuse.
const oldCache = new Map<string, RegExp>();
function oldCached(pattern: string, extraFlags = ""): RegExp {
  const key = `${extraFlags}/${pattern}`;
  const cached = oldCache.get(key);
  if (cached !== undefined) {
    cached.lastIndex = 0;
    return cached;
  }
  const re = oldTranslate(pattern, extraFlags);
  oldCache.set(key, re);
  return re;
}

/** The old regex_replace_all: JavaScript replace with `${n}` rewritten to `$n`. */
function oldReplaceAll(pattern: string, value: string, template: string): string {
  return value.replace(oldCached(pattern, "g"), template.replace(/\$\{(\d+)\}/g, "$$$1"));
}

const show = (value: GoOutcome): string => (value === "refuses" ? "refuses" : String(value));
/** JSON, shortened, every non-ASCII character escaped: a Kelvin sign must not print as K. */
const quote = (text: string): string => {
  const json = JSON.stringify(text.length > 24 ? `${text.slice(0, 21)}...` : text);
  return json.replace(/[^\x20-\x7e]/gu, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`);
};

interface ConformanceResult {
  total: number;
  re2js: number;
  old: number;
  unexpected: RegexpCase[];
}

function conformance(): ConformanceResult {
  const re2js = { compile: compileGoRegExp };
  const old = { compile: (pattern: string) => oldTranslate(pattern) };
  let re2jsRight = 0;
  let oldRight = 0;
  const unexpected: RegexpCase[] = [];
  console.log(`\n1. Conformance to Go regexp (${REGEXP_CASES.length} cases, ${runtime})`);
  console.log("   rows where an engine and Go differ; 'refuses' = compile error");
  console.log(
    `   ${"topic".padEnd(35)} ${"pattern".padEnd(24)} ${"input".padEnd(23)} ${"Go".padEnd(8)} ${"re2js".padEnd(8)} old`,
  );
  for (const c of REGEXP_CASES) {
    const r = outcome(re2js, c);
    const o = outcome(old, c);
    if (r === c.go) re2jsRight++;
    else if (c.divergence?.re2js !== r) unexpected.push(c);
    if (o === c.go) oldRight++;
    if (r === c.go && o === c.go) continue;
    const mark = (value: GoOutcome) => `${show(value)}${value === c.go ? "" : "*"}`.padEnd(8);
    console.log(
      `   ${c.topic.padEnd(35)} ${quote(c.pattern).padEnd(24)} ${quote(c.input).padEnd(23)} ${show(c.go).padEnd(8)} ${mark(r)} ${mark(o)}`,
    );
  }
  const total = REGEXP_CASES.length;
  console.log(`   * = wrong. Totals: re2js ${re2jsRight}/${total}, old ${oldRight}/${total}`);
  for (const c of REGEXP_CASES.filter((k) => k.divergence !== undefined)) {
    console.log(`   known re2js divergence, ${c.topic}: ${c.divergence?.reason}`);
  }
  for (const c of unexpected)
    console.log(`   UNEXPECTED re2js divergence: ${c.topic} ${c.pattern}`);
  return { total, re2js: re2jsRight, old: oldRight, unexpected };
}

const SUBJECT = "https://github.com/acme/.*/.github/workflows/.*@refs/heads/main";
const SUBJECT_INPUT =
  "https://github.com/acme/widgets/.github/workflows/release.yml@refs/heads/main";
const ISSUER = "https://token\\.actions\\.githubusercontent\\.com";
const ISSUER_INPUT = "https://token.actions.githubusercontent.com";
const DIGEST_REF = "(?i)^[a-z0-9.-]+(?::[0-9]+)?/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$";
const DIGEST_REF_INPUT = (() => {
  const digest = "@sha256:" + "0123456789abcdef".repeat(4);
  const head = "registry.example.com:5000/platform-team/";
  return (
    head + "services/".repeat(20).slice(0, 200 - head.length - digest.length - 3) + "api" + digest
  );
})();
const REPLACE = "(\\w+)-(\\d+)";
const REPLACE_TEMPLATE = "${2}-${1}";
const REPLACE_INPUT = Array.from({ length: 12 }, (_, i) => `build-${i}`).join(", ");

interface Workload {
  name: string;
  old: () => unknown;
  re2js: () => unknown;
}

/** Fresh compile on every call (a pattern seen for the first time). */
const UNCACHED: Workload[] = [
  {
    name: "subject regex",
    old: () => oldTranslate(SUBJECT).test(SUBJECT_INPUT),
    re2js: () => RE2JS.compile(SUBJECT).test(SUBJECT_INPUT),
  },
  {
    name: "issuer regex",
    old: () => oldTranslate(ISSUER).test(ISSUER_INPUT),
    re2js: () => RE2JS.compile(ISSUER).test(ISSUER_INPUT),
  },
  {
    name: "regex_match, 200 chars",
    old: () => oldTranslate(DIGEST_REF).test(DIGEST_REF_INPUT),
    re2js: () => RE2JS.compile(DIGEST_REF).test(DIGEST_REF_INPUT),
  },
];

/** Both engines cached, as in production: the cost of matching alone. */
const CACHED: Workload[] = [
  {
    name: "subject regex",
    old: () => oldCached(SUBJECT).test(SUBJECT_INPUT),
    re2js: () => compileGoRegExp(SUBJECT).test(SUBJECT_INPUT),
  },
  {
    name: "issuer regex",
    old: () => oldCached(ISSUER).test(ISSUER_INPUT),
    re2js: () => compileGoRegExp(ISSUER).test(ISSUER_INPUT),
  },
  {
    name: "regex_match, 200 chars",
    old: () => oldCached(DIGEST_REF).test(DIGEST_REF_INPUT),
    re2js: () => compileGoRegExp(DIGEST_REF).test(DIGEST_REF_INPUT),
  },
  {
    name: `regex_replace_all, ${REPLACE_INPUT.length} chars`,
    old: () => oldReplaceAll(REPLACE, REPLACE_INPUT, REPLACE_TEMPLATE),
    re2js: () => compileGoRegExp(REPLACE).replaceAll(REPLACE_INPUT, REPLACE_TEMPLATE, false),
  },
];

/** Both engines must give the same answer before their speed means anything. */
function checkAgreement(workloads: Workload[]): void {
  for (const w of workloads) {
    const [o, r] = [w.old(), w.re2js()];
    if (o !== r) throw new Error(`${w.name}: old gave ${String(o)}, re2js ${String(r)}`);
    if (o === false) throw new Error(`${w.name}: the input does not match; fix the workload`);
  }
}

export interface SpeedRow {
  mode: string;
  workload: string;
  oldOpsPerSec: number;
  re2jsOpsPerSec: number;
}

async function speed(mode: string, workloads: Workload[], timeMs: number): Promise<SpeedRow[]> {
  checkAgreement(workloads);
  const bench = new Bench({ time: timeMs, warmupTime: timeMs / 4, warmupIterations: 50 });
  for (const w of workloads) {
    bench.add(`${w.name}|old`, w.old);
    bench.add(`${w.name}|re2js`, w.re2js);
  }
  await bench.run();
  const perSecond = new Map<string, number>();
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== "completed")
      throw new Error(`${task.name} did not complete: ${result.state}`);
    perSecond.set(task.name, Math.round(1000 / result.latency.p50));
  }
  console.log(`\n   ${mode}`);
  console.log(
    `   ${"workload".padEnd(30)} ${"old ops/s".padStart(12)} ${"re2js ops/s".padStart(12)}   re2js/old`,
  );
  return workloads.map((w) => {
    const row: SpeedRow = {
      mode,
      workload: w.name,
      oldOpsPerSec: perSecond.get(`${w.name}|old`) ?? Number.NaN,
      re2jsOpsPerSec: perSecond.get(`${w.name}|re2js`) ?? Number.NaN,
    };
    const ratio = (row.re2jsOpsPerSec / row.oldOpsPerSec).toFixed(3);
    console.log(
      `   ${w.name.padEnd(30)} ${String(row.oldOpsPerSec).padStart(12)} ${String(row.re2jsOpsPerSec).padStart(12)}   ${ratio}x`,
    );
    return row;
  });
}

const CATASTROPHIC = "^(a+)+$";
/** The old engine stops growing n once one run takes longer than this. */
const OLD_BUDGET_MS = 2000;
/** Exponential in its first alternative; Go matches 'a'*n through the second. */
const GIVE_UP = "^(a+)+b|^a+$";
const GIVE_UP_N = 28;

function timeMs(fn: () => boolean): { ms: number; matched: boolean } {
  const start = performance.now();
  const matched = fn();
  return { ms: performance.now() - start, matched };
}

function row(engine: string, n: number, t: { ms: number; matched: boolean }): void {
  console.log(
    `   ${engine.padEnd(6)} n=${String(n).padEnd(7)} ${t.ms.toFixed(2).padStart(10)} ms   matched=${t.matched}`,
  );
}

function catastrophic(): void {
  console.log(`\n3. Catastrophic backtracking: ${CATASTROPHIC} on 'a'*n + '!' (no match)`);
  for (const n of [20, 24, 26, 28, 30]) {
    const input = `${"a".repeat(n)}!`;
    const t = timeMs(() => oldTranslate(CATASTROPHIC).test(input));
    row("old", n, t);
    if (t.ms > OLD_BUDGET_MS) {
      console.log(`   old: over ${OLD_BUDGET_MS} ms, larger n not tried`);
      break;
    }
  }
  for (const n of [26, 100_000]) {
    const input = `${"a".repeat(n)}!`;
    row(
      "re2js",
      n,
      timeMs(() => RE2JS.compile(CATASTROPHIC).test(input)),
    );
  }
  // A backtracking engine may give up instead of hanging: JavaScriptCore (Bun) stops
  // at a backtrack limit and answers "no match" although the second alternative matches.
  const input = "a".repeat(GIVE_UP_N);
  console.log(`\n   ${GIVE_UP} on 'a'*${GIVE_UP_N} (Go: matched=true)`);
  row(
    "old",
    GIVE_UP_N,
    timeMs(() => oldTranslate(GIVE_UP).test(input)),
  );
  row(
    "re2js",
    GIVE_UP_N,
    timeMs(() => RE2JS.compile(GIVE_UP).test(input)),
  );
}

export async function runRegexpBench(benchTimeMs = 500): Promise<{ passed: boolean }> {
  console.log(
    `Policy regexps: re2js ${reVersion()} vs old (Go syntax translated to RegExp), ${runtime}`,
  );
  const result = conformance();
  console.log(`\n2. Throughput (tinybench, median per call; ${benchTimeMs} ms per task)`);
  await speed("compile + match (no cache)", UNCACHED, benchTimeMs);
  await speed("cached compile (both engines cached)", CACHED, benchTimeMs);
  catastrophic();
  return { passed: result.unexpected.length === 0 };
}

function reVersion(): string {
  const manifest = new URL("../node_modules/re2js/package.json", import.meta.url);
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { passed } = await runRegexpBench();
  if (!passed) process.exitCode = 1;
}
