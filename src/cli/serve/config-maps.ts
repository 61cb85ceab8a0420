/**
 * Where `serve` finds the ConfigMaps that rule `context` entries name: the
 * manifests beside the policies (`--config-maps files`, the default) or the
 * Kubernetes API with the pod's service account (`--config-maps kube`).
 */
import type { ConfigMapSource } from "../../policy/index.ts";
import type { ObjectSource } from "./object-source.ts";

export const CONFIG_MAP_SOURCE: ObjectSource<"config-map", ConfigMapSource> = {
  stem: "config-map",
  kind: "ConfigMap",
  purpose: "rule context ConfigMaps",
  openInCluster: (io, options) => io.inClusterConfigMaps(options),
};
