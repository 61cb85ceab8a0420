/**
 * Where `serve` finds the Secrets that attestors' `keys.secret` names: the
 * manifests beside the policies (`--secrets files`, the default, e.g. a
 * mounted Secret volume) or the Kubernetes API with the pod's service
 * account (`--secrets kube`), which also tells imgverify's own namespace:
 * the service account's, where its own Secrets (pull secrets) live.
 */
import type { InClusterSecrets } from "../io.ts";
import type { ObjectSource } from "./object-source.ts";

export const SECRET_SOURCE: ObjectSource<"secret", InClusterSecrets> = {
  stem: "secret",
  kind: "Secret",
  purpose: "the Secrets keys.secret names",
  openInCluster: (io, options) => io.inClusterSecrets(options),
};
