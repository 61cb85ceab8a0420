import type { MatrixRuntime } from "./matrix-env.ts";

/** The runtime this code runs on, by feature detection (never by what run.sh claims). */
export function detectRuntime(): MatrixRuntime {
  const g = globalThis as { Bun?: unknown; Deno?: unknown; navigator?: { userAgent?: string } };
  if (g.navigator?.userAgent === "Cloudflare-Workers") return "workerd";
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}
