/**
 * Milliseconds per Sigstore bundle verification, per runtime:
 *   npx tsx bench/verify-bundle.ts
 *   npx bun bench/verify-bundle.ts
 *   npx deno run -A test/conformance/deno.ts bench/verify-bundle.ts   (with the crypto alias)
 * Bundles and trusted roots come from the corpora (IMGVERIFY_CORPORA); trusted
 * roots are prepared once, as a webhook does, and that cost is measured apart.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { Bench } from "tinybench";
import type { ArtifactInput } from "../src/verify/bundle/artifact.ts";
import type { BundlePolicy } from "../src/verify/bundle/policy.ts";
import { verifyBundle } from "../src/verify/bundle/verify.ts";
import { prepareTrustedRoot } from "../src/verify/trust/trusted-root.ts";
import { trustedRootFromTufSeeds } from "../src/verify/trust/tuf-seeds.ts";
import { DEFAULT_IDENTITY, DEFAULT_ISSUER } from "../test/conformance/core.ts";
import { findCorpora } from "../test/conformance/load-cases.ts";

const corpora = findCorpora(process.env);
if (corpora === undefined) {
  console.error("BENCH NOT RUN: corpora absent (set IMGVERIFY_CORPORA)");
  process.exit(2);
}
const cases = corpora.casesDir;
const read = (path: string) => readFileSync(resolve(cases, path));
const json = (path: string): unknown => JSON.parse(read(path).toString("utf8"));

const productionJson = trustedRootFromTufSeeds(readFileSync(corpora.tufSeeds, "utf8"));
const production = prepareTrustedRoot(productionJson);
const rekor2Root = prepareTrustedRoot(json("rekor2-happy-path/trusted_root.json"));
const artifactBytes = new Uint8Array(read("../a.txt"));
const byBytes: ArtifactInput = { bytes: artifactBytes };
const byDigest: ArtifactInput = { digest: `sha256:${bytesToHex(sha256(artifactBytes))}` };
const identity: BundlePolicy = { identity: { subject: DEFAULT_IDENTITY, issuer: DEFAULT_ISSUER } };
const bundle = (name: string) => read(join(name, "bundle.sigstore.json")).toString("utf8");

const scenarios = [
  ["hashedrekord v0.0.1, file", bundle("happy-path-v0.3"), byBytes, production, identity],
  ["hashedrekord v0.0.1, digest", bundle("happy-path-v0.3"), byDigest, production, identity],
  [
    "DSSE in-toto (dsse v0.0.1)",
    bundle("happy-path-intoto-in-dsse-v3"),
    byBytes,
    production,
    identity,
  ],
  ["Rekor v2 + RFC 3161 timestamp", bundle("rekor2-happy-path"), byBytes, rekor2Root, identity],
  [
    "managed key",
    bundle("managed-key-happy-path"),
    byBytes,
    production,
    { key: read("managed-key-happy-path/key.pub").toString("utf8") },
  ],
] as const;

const bench = new Bench({ time: 1000, warmupTime: 200 });
for (const [name, bundleText, artifact, trustedRoot, policy] of scenarios) {
  bench.add(name, () => {
    verifyBundle({ bundle: bundleText, artifact, trustedRoot, policy });
  });
}
bench.add("prepare the production trusted root", () => {
  prepareTrustedRoot(productionJson);
});
await bench.run();

const globals = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
const runtime = globals.Deno
  ? `deno ${globals.Deno.version.deno}`
  : globals.Bun
    ? `bun ${globals.Bun.version}`
    : `node ${process.versions.node}`;
console.log(`verify-bundle on ${runtime} (ms per operation, mean ± rme)`);
for (const task of bench.tasks) {
  const result = task.result;
  const figure =
    result.state === "completed"
      ? `${result.latency.mean.toFixed(2).padStart(7)} ms ± ${result.latency.rme.toFixed(1)}%`
      : result.state;
  console.log(`  ${task.name.padEnd(38)} ${figure}`);
}
