/**
 * What an ImageValidatingPolicy's CEL decides before its checks run: its
 * match conditions, its images, and the keys and certificates its attestors
 * take from expressions (filled into the carrier entries as Kyverno
 * variables). ConfigMaps that `resource.get` asks for are fetched between
 * evaluations; the same reads serve the validations afterwards.
 */
import type { AdmissionRequest } from "../admission/index.ts";
import { ImgverifyError, reasonOf } from "../errors.ts";
import type {
  CelImagePolicy,
  ConfigMapSource,
  EvaluationOptions,
  ImageVerification,
} from "../policy/index.ts";
import { ResourceReads, resolveRule, withResourceReads } from "../policy/index.ts";
import { type CelImages, celImages } from "./ivpol-images.ts";

export interface PreparedCel {
  readonly images: CelImages;
  /** The carrier entries, their expression-given keys and certificates filled in. */
  readonly entries: readonly ImageVerification[];
  readonly reads: ResourceReads;
}

/** Evaluations a policy may need to have every ConfigMap it reads fetched. */
const MAX_READ_ROUNDS = 4;

/** Undefined when a match condition leaves the request out; throws what the CEL throws. */
export async function prepareCel(
  cel: CelImagePolicy,
  namespace: string | undefined,
  request: AdmissionRequest,
  object: unknown,
  bindings: Readonly<Record<string, unknown>>,
  configMaps: ConfigMapSource,
  options: EvaluationOptions,
): Promise<PreparedCel | undefined> {
  const reads = new ResourceReads(namespace);
  const prepared = await withFetchedReads(reads, configMaps, () => {
    for (const condition of cel.matchConditions) {
      if (condition.program.evaluate(bindings) !== true) return undefined;
    }
    const images = celImages(cel, object, request.kind.kind, bindings);
    const variables = planVariables(cel, bindings, reads);
    return { images, materials: materialValues(cel, bindings, variables) };
  });
  if (prepared === undefined) return undefined;
  const entries =
    prepared.materials === undefined
      ? cel.entries
      : resolveRule({ ...cel.rule, verifyImages: cel.entries }, prepared.materials, options)
          .verifyImages;
  return { images: prepared.images, entries, reads };
}

async function withFetchedReads<T>(
  reads: ResourceReads,
  configMaps: ConfigMapSource,
  evaluate: () => T,
): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return withResourceReads(reads, evaluate);
    } catch (error) {
      const missing = reads.missing();
      if (missing.length === 0 || round === MAX_READ_ROUNDS) throw error;
      await Promise.all(
        missing.map(async (key) => {
          const found = await configMaps.get(key.namespace, key.name);
          const object = found && {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { ...found.metadata, name: found.name, namespace: found.namespace },
            data: found.data,
          };
          reads.set(key, object ?? null);
        }),
      );
    }
  }
}

interface PlanVariables {
  readonly values: Record<string, unknown>;
  /** Why each variable left out could not be evaluated yet. */
  readonly skipped: readonly string[];
}

/**
 * The variables that can be evaluated before the checks, when something
 * needs them now: expression-given keys, or ConfigMaps read through
 * `resource.get` (fetched here so the validations find them). One that needs
 * the checks' outcomes (the image functions) is left out.
 */
function planVariables(
  cel: CelImagePolicy,
  bindings: Readonly<Record<string, unknown>>,
  reads: ResourceReads,
): PlanVariables | undefined {
  const needed =
    cel.materials.length > 0 ||
    cel.variables.some((v) => v.program.expression.includes("resource."));
  if (!needed) return undefined;
  const values: Record<string, unknown> = {};
  const skipped: string[] = [];
  for (const v of cel.variables) {
    try {
      values[v.name] = v.program.evaluate({ ...bindings, variables: values });
    } catch (error) {
      if (reads.missing().length > 0) throw error;
      skipped.push(`variable ${v.name}: ${reasonOf(error)}`);
    }
  }
  return { values, skipped };
}

/** The expression-given keys and certificates, by placeholder name. */
function materialValues(
  cel: CelImagePolicy,
  bindings: Readonly<Record<string, unknown>>,
  variables: PlanVariables | undefined,
): Record<string, string> | undefined {
  if (cel.materials.length === 0 || variables === undefined) return undefined;
  const values: Record<string, string> = {};
  for (const m of cel.materials) {
    let value: unknown;
    try {
      value = m.program.evaluate({ ...bindings, variables: variables.values });
    } catch (error) {
      // What the expression could not read is usually a variable that failed.
      const why = [reasonOf(error), ...variables.skipped].join("; ");
      throw new ImgverifyError("CEL_FAILED", why);
    }
    if (typeof value !== "string" || value.trim() === "") {
      throw new ImgverifyError("CEL_FAILED", `${m.path}: must give a PEM key or certificate`);
    }
    values[m.name] = value;
  }
  return values;
}
