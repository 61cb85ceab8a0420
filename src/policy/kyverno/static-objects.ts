/**
 * What ConfigMaps and Secrets given beside the policies share: a fixed set
 * keyed by namespace and name, and the reading of a manifest's metadata.
 */
import { FieldReader, type IssueSink, isMapping } from "./reader.ts";

export interface NamespacedObject {
  readonly name: string;
  readonly namespace: string;
}

/** A fixed set of objects, keyed by namespace and name. */
export class StaticObjectSource<T extends NamespacedObject> {
  private readonly byKey: Map<string, T>;

  constructor(objects: readonly T[]) {
    this.byKey = new Map(objects.map((object) => [`${object.namespace}/${object.name}`, object]));
  }

  get(namespace: string, name: string): Promise<T | undefined> {
    return Promise.resolve(this.byKey.get(`${namespace}/${name}`));
  }

  list(): T[] {
    return [...this.byKey.values()];
  }
}

/**
 * The top-level reader of a `v1` manifest with `keys` besides apiVersion,
 * kind and metadata, its metadata, name (required) and namespace (`default`
 * when absent); undefined when any is unusable, the issues reported.
 */
export function readManifest(
  doc: Record<string, unknown>,
  sink: IssueSink,
  keys: readonly string[],
):
  | { top: FieldReader; name: string; namespace: string; metadata: Record<string, unknown> }
  | undefined {
  const top = FieldReader.of(doc, "", sink, ["apiVersion", "kind", "metadata", ...keys]);
  const metadata = isMapping(doc.metadata) ? doc.metadata : {};
  const meta = FieldReader.of(metadata, "metadata", sink, Object.keys(metadata));
  const name = meta?.string("name", true);
  if (top === undefined || meta === undefined || name === undefined) return undefined;
  return { top, name, namespace: meta.string("namespace") ?? "default", metadata };
}
