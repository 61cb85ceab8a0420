/**
 * ConfigMaps read through the Kubernetes API, for rule `context` entries of
 * type configMap when imgverify runs in a cluster (see kube-objects.ts).
 */
import {
  type ConfigMap,
  type ConfigMapSource,
  parseConfigMap,
} from "../policy/kyverno/configmaps.ts";
import {
  KubeObjectSource,
  type KubeObjectSourceOptions,
  type KubeResource,
} from "./kube-objects.ts";

export const CONFIG_MAPS: KubeResource<ConfigMap> = {
  resource: "configmaps",
  kind: "ConfigMap",
  parse: parseConfigMap,
};

export class KubeConfigMapSource extends KubeObjectSource<ConfigMap> implements ConfigMapSource {
  constructor(options: KubeObjectSourceOptions) {
    super(CONFIG_MAPS, options);
  }
}
