/**
 * Kyverno's `resource.get(apiVersion, resource, namespace, name)` for
 * ImageValidatingPolicy CEL, over ConfigMaps (what trust material is kept
 * in). CEL evaluation is synchronous and the objects are fetched, so an
 * evaluation records what it asked for and fails; the caller fetches those
 * and evaluates again (`ResourceReads.missing`), a bounded number of times.
 */
import { type CelFunc, CelScalar, celFunc } from "@bufbuild/cel";
import { toCel } from "../cel/evaluate.ts";
import { EvaluationSlot } from "../evaluation-slot.ts";

export interface ResourceKey {
  readonly namespace: string;
  readonly name: string;
}

/** Distinct objects one admission's CEL may read. */
export const MAX_RESOURCE_READS = 16;

/** The objects one admission's CEL has read, and those asked for but not fetched yet. */
export class ResourceReads {
  readonly #objects = new Map<string, unknown>();
  readonly #wanted = new Map<string, ResourceKey>();
  /** A namespaced policy's namespace: the only one it may read. */
  readonly #namespace: string | undefined;

  constructor(namespace?: string) {
    this.#namespace = namespace;
  }

  /** Asked for by an evaluation and not fetched: fetch them, `set` each, evaluate again. */
  missing(): ResourceKey[] {
    return [...this.#wanted.entries()].filter(([k]) => !this.#objects.has(k)).map(([, v]) => v);
  }

  /** The object at `key`, `null` when there is none. */
  set(key: ResourceKey, object: unknown): void {
    this.#objects.set(keyOf(key), object);
  }

  get(apiVersion: string, resource: string, namespace: string, name: string): unknown {
    if (apiVersion !== "v1" || resource !== "configmaps") {
      throw new Error(
        `resource.get reads ConfigMaps only (apiVersion v1, resource configmaps), not ${apiVersion} ${resource}`,
      );
    }
    if (this.#namespace !== undefined && namespace !== this.#namespace) {
      throw new Error(
        `a namespaced policy reads ConfigMaps of its own namespace (${this.#namespace}) only, not ${namespace}`,
      );
    }
    const key = { namespace, name };
    const k = keyOf(key);
    if (this.#objects.has(k)) {
      const object = this.#objects.get(k);
      if (object === null) throw new Error(`ConfigMap ${namespace}/${name} not found`);
      return object;
    }
    if (this.#wanted.size >= MAX_RESOURCE_READS && !this.#wanted.has(k)) {
      throw new Error(`more than ${MAX_RESOURCE_READS} objects read by resource.get`);
    }
    this.#wanted.set(k, key);
    throw new Error(`ConfigMap ${namespace}/${name} is not read yet`);
  }
}

const keyOf = (key: ResourceKey): string => `${key.namespace}/${key.name}`;

const slot = new EvaluationSlot<ResourceReads>();

/** Runs `evaluate` with `reads` behind `resource.get`. */
export function withResourceReads<T>(reads: ResourceReads, evaluate: () => T): T {
  return slot.with(reads, evaluate);
}

export const resourceFunctionDeclarations: readonly CelFunc[] = [
  celFunc(
    "resource.get",
    [CelScalar.STRING, CelScalar.STRING, CelScalar.STRING, CelScalar.STRING],
    CelScalar.DYN,
    (apiVersion, resource, namespace, name) => {
      const reads = slot.current;
      if (reads === undefined) throw new Error("resource.get is not available here");
      return toCel(reads.get(apiVersion, resource, namespace, name));
    },
  ),
];
