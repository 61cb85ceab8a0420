/**
 * `serve --cache-url`: refused before anything connects unless it names a
 * Redis and comes with a key long enough to seal shared verdicts.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.ts";
import { EMPTY_ROOT } from "../engine/core/world.ts";
import { harness } from "./serve-harness.ts";

const SERVE = ["serve", "--trusted-root", "root.json", "--port", "0", "--allow-unauthenticated"];
const files = {
  "root.json": JSON.stringify(EMPTY_ROOT),
  short: "0123456789abcdef0123456789abcde\n",
  long: `${"k".repeat(32)}\n`,
};

async function refusal(args: string[], env: Record<string, string> = {}): Promise<string> {
  const h = harness(env, files, false);
  expect(await runCli([...SERVE, ...args], h.io)).toBe(2);
  expect(h.io.out).toBe("");
  return h.io.err;
}

describe("serve --cache-url", () => {
  it("needs the key that seals shared verdicts, of at least 32 bytes", async () => {
    expect(await refusal(["--cache-url", "redis://127.0.0.1:1"])).toContain(
      "--cache-url needs --cache-key-file",
    );
    expect(
      await refusal(["--cache-url", "redis://127.0.0.1:1", "--cache-key-file", "short"]),
    ).toContain("holds 31 bytes; at least 32 are needed");
    expect(await refusal(["--cache-key-file", "long"])).toContain(
      "--cache-key-file needs --cache-url",
    );
  });

  it("names a Redis and nothing else, from the flag or IMGVERIFY_CACHE_URL", async () => {
    const key = ["--cache-key-file", "long"];
    expect(await refusal(["--cache-url", "http://cache:6379", ...key])).toContain(
      "must be redis:// or rediss://, not http://",
    );
    expect(await refusal(["--cache-url", "not a url", ...key])).toContain("is not a URL");
    expect(await refusal(["--cache-url", "redis://cache/some/path", ...key])).toContain(
      "a database number",
    );
    expect(await refusal(key, { IMGVERIFY_CACHE_URL: "memcached://cache" })).toContain(
      "must be redis:// or rediss://",
    );
  });
});
