import { FieldReader, type IssueSink, isMapping } from "./reader.ts";

/** A ConfigMap as rule `context` sees it: `{{ <entry>.data.<key> }}` and `{{ <entry>.metadata... }}`. */
export interface ConfigMap {
  readonly name: string;
  readonly namespace: string;
  readonly data: Readonly<Record<string, string>>;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/**
 * Where `configMap` context entries are looked up. The loader fills one from
 * the ConfigMap manifests given beside the policies; an in-cluster API lookup
 * can implement the same interface.
 */
export interface ConfigMapSource {
  get(namespace: string, name: string): Promise<ConfigMap | undefined>;
}

/** A fixed set of ConfigMaps, keyed by namespace and name. */
export class StaticConfigMapSource implements ConfigMapSource {
  private readonly byKey: Map<string, ConfigMap>;

  constructor(configMaps: readonly ConfigMap[]) {
    this.byKey = new Map(configMaps.map((cm) => [`${cm.namespace}/${cm.name}`, cm]));
  }

  get(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return Promise.resolve(this.byKey.get(`${namespace}/${name}`));
  }

  list(): ConfigMap[] {
    return [...this.byKey.values()];
  }
}

/** A `v1` ConfigMap manifest; `data` must hold strings only, as Kubernetes requires. */
export function parseConfigMap(
  doc: Record<string, unknown>,
  sink: IssueSink,
): ConfigMap | undefined {
  const top = FieldReader.of(doc, "", sink, [
    "apiVersion",
    "kind",
    "metadata",
    "data",
    "binaryData",
    "immutable",
  ]);
  const metadata = isMapping(doc.metadata) ? doc.metadata : {};
  const meta = FieldReader.of(metadata, "metadata", sink, Object.keys(metadata));
  const name = meta?.string("name", true);
  if (top === undefined || meta === undefined || name === undefined) return undefined;
  const namespace = meta.string("namespace") ?? "default";
  return { name, namespace, data: top.stringMap("data"), metadata };
}
