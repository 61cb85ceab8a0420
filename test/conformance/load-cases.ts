/**
 * Reads the sigstore-conformance cases from the corpora folder
 * (`IMGVERIFY_CORPORA`, default `../shared/corpora` from the repository).
 * node:fs works on Node, Bun and Deno alike.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type ConformanceCase, DEFAULT_IDENTITY, DEFAULT_ISSUER } from "./core.ts";

export interface CorporaPaths {
  /** The `bundle-verify` folder holding one folder per case. */
  casesDir: string;
  /** `@sigstore/tuf`'s seeds.json as kept in the corpora: the production trust root. */
  tufSeeds: string;
}

/** The corpora paths, or undefined when the folder is absent. */
export function findCorpora(env: Record<string, string | undefined>): CorporaPaths | undefined {
  const root = resolve(env.IMGVERIFY_CORPORA ?? "../shared/corpora");
  const paths = {
    casesDir: join(root, "sigstore-conformance/test/assets/bundle-verify"),
    tufSeeds: join(root, "sigstore-js/packages/tuf/seeds.json"),
  };
  return existsSync(paths.casesDir) && existsSync(paths.tufSeeds) ? paths : undefined;
}

export async function loadCases(casesDir: string): Promise<ConformanceCase[]> {
  const entries = await readdir(casesDir, { withFileTypes: true });
  const defaultArtifact = await readFile(join(casesDir, "../a.txt"));
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  return Promise.all(
    names.sort().map(async (name) => {
      const dir = join(casesDir, name);
      const optional = (file: string) => readOptional(join(dir, file));
      const [bundle, artifact, key, trustedRoot, identity, issuer] = await Promise.all([
        readFile(join(dir, "bundle.sigstore.json")),
        optional("artifact"),
        optional("key.pub"),
        optional("trusted_root.json"),
        optional("identity"),
        optional("issuer"),
      ]);
      const testCase: ConformanceCase = {
        name,
        bundle,
        artifact: artifact ?? defaultArtifact,
        identity: identity ? text(identity) : DEFAULT_IDENTITY,
        issuer: issuer ? text(issuer) : DEFAULT_ISSUER,
      };
      if (key) testCase.key = key;
      if (trustedRoot) testCase.trustedRoot = trustedRoot;
      return testCase;
    }),
  );
}

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  return existsSync(path) ? readFile(path) : undefined;
}

function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes).trim();
}
