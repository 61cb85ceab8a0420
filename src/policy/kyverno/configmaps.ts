import type { IssueSink } from "./reader.ts";
import { readManifest, StaticObjectSource } from "./static-objects.ts";

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
export class StaticConfigMapSource
  extends StaticObjectSource<ConfigMap>
  implements ConfigMapSource {}

/** A `v1` ConfigMap manifest; `data` must hold strings only, as Kubernetes requires. */
export function parseConfigMap(
  doc: Record<string, unknown>,
  sink: IssueSink,
): ConfigMap | undefined {
  const read = readManifest(doc, sink, ["data", "binaryData", "immutable"]);
  if (read === undefined) return undefined;
  const { top, name, namespace, metadata } = read;
  return { name, namespace, data: top.stringMap("data"), metadata };
}
