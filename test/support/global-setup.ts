import type { TestProject } from "vitest/node";
import type { RegistryInfo, RegistryMode, SeededImages } from "./context.ts";
import { pushImage, pushMultiArchIndex } from "./images.ts";
import { assertToolsInstalled } from "./preflight.ts";
import { type Registry, startRegistry } from "./registry.ts";

/**
 * Integration globalSetup: one registry per auth mode for the whole run, each
 * seeded with the same kinds of images; tests reach them with
 * inject("registries") and inject("seededImages").
 */

const MODES: readonly RegistryMode[] = ["anonymous", "basic", "token"];

async function seed(registry: Registry): Promise<SeededImages> {
  const [ociImage, dockerImage, index] = await Promise.all([
    pushImage(registry, "seed/oci-image", "v1"),
    pushImage(registry, "seed/docker-image", "v1", { format: "v2s2" }),
    pushMultiArchIndex(registry, "seed/multi-arch", "v1"),
  ]);
  return { ociImage, dockerImage, index };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await assertToolsInstalled();
  const started = await Promise.allSettled(MODES.map((mode) => startRegistry({ mode })));
  const registries = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const teardown = async (): Promise<void> => {
    await Promise.allSettled(registries.map((r) => r.stop()));
  };
  try {
    const failed = started.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    const seeded = await Promise.all(registries.map(seed));
    const byMode = <T>(values: T[]): Record<RegistryMode, T> =>
      Object.fromEntries(MODES.map((mode, i) => [mode, values[i]])) as Record<RegistryMode, T>;
    project.provide("registries", byMode<RegistryInfo>(registries.map((r) => r.info())));
    project.provide("seededImages", byMode(seeded));
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
