/**
 * What test/runtimes/run.sh hands to the tests, read from its environment by
 * every vitest config (Node, Bun, Deno and workerd alike) and passed on with
 * `provide`, so the same test files get it through `inject` on each runtime.
 */

export type MatrixRuntime = "node" | "bun" | "deno" | "workerd";

/** A registry and one image pushed to it, for the registry smoke test. */
export interface SmokeRegistry {
  /** "127.0.0.1:PORT", reached over plain HTTP. */
  host: string;
  /** "HOST/REPO:TAG". */
  reference: string;
  /** The manifest digest the tag must resolve to. */
  digest: string;
}

export interface MatrixContext {
  /** The runtime run.sh launched; null outside the matrix. */
  imgverifyRuntime: MatrixRuntime | null;
  /** Set when run.sh started a registry; null otherwise. */
  imgverifySmokeRegistry: SmokeRegistry | null;
}

declare module "vitest" {
  export interface ProvidedContext extends MatrixContext {}
}

const RUNTIMES: readonly MatrixRuntime[] = ["node", "bun", "deno", "workerd"];

function runtimeFrom(value: string | undefined): MatrixRuntime | null {
  if (value === undefined || value === "") return null;
  const runtime = RUNTIMES.find((name) => name === value);
  if (runtime === undefined) {
    throw new Error(`IMGVERIFY_RUNTIME=${value}: expected one of ${RUNTIMES.join(", ")}`);
  }
  return runtime;
}

function smokeRegistryFrom(env: Record<string, string | undefined>): SmokeRegistry | null {
  const host = env.IMGVERIFY_TEST_REGISTRY;
  if (host === undefined || host === "") return null;
  const reference = env.IMGVERIFY_TEST_IMAGE;
  const digest = env.IMGVERIFY_TEST_IMAGE_DIGEST;
  if (!reference?.startsWith(`${host}/`) || !/^sha256:[0-9a-f]{64}$/.test(digest ?? "")) {
    throw new Error(
      "IMGVERIFY_TEST_REGISTRY is set, so IMGVERIFY_TEST_IMAGE must name an image on it and " +
        `IMGVERIFY_TEST_IMAGE_DIGEST its sha256 digest (got ${reference} and ${digest})`,
    );
  }
  return { host, reference, digest: digest as string };
}

/** The `provide` block for a vitest project, from run.sh's environment. */
export function matrixContext(env: Record<string, string | undefined>): MatrixContext {
  return {
    imgverifyRuntime: runtimeFrom(env.IMGVERIFY_RUNTIME),
    imgverifySmokeRegistry: smokeRegistryFrom(env),
  };
}
