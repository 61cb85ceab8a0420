/** Conformance cases as JSON-safe data (bytes as base64) for vitest's `provide`. */
import type { ConformanceCase } from "../core.ts";

export type EncodedCase = Omit<ConformanceCase, "bundle" | "artifact" | "key" | "trustedRoot"> & {
  bundle: string;
  artifact: string;
  key?: string;
  trustedRoot?: string;
};

declare module "vitest" {
  export interface ProvidedContext {
    conformanceCases: EncodedCase[];
    /** The text of @sigstore/tuf's seeds.json from the corpora. */
    tufSeeds: string;
  }
}

export function encodeCases(cases: readonly ConformanceCase[]): EncodedCase[] {
  return cases.map((c) => ({
    ...c,
    bundle: toBase64(c.bundle),
    artifact: toBase64(c.artifact),
    key: c.key && toBase64(c.key),
    trustedRoot: c.trustedRoot && toBase64(c.trustedRoot),
  }));
}

export function decodeCases(cases: readonly EncodedCase[]): ConformanceCase[] {
  return cases.map(({ bundle, artifact, key, trustedRoot, ...rest }) => {
    const decoded: ConformanceCase = {
      ...rest,
      bundle: fromBase64(bundle),
      artifact: fromBase64(artifact),
    };
    if (key) decoded.key = fromBase64(key);
    if (trustedRoot) decoded.trustedRoot = fromBase64(trustedRoot);
    return decoded;
  });
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}
