/**
 * Secrets read through the Kubernetes API, for attestors' `keys.secret` (and
 * image pull secrets) when imgverify runs in a cluster (see kube-objects.ts).
 * Values stay base64 as the API returns them; one that is not base64 makes
 * the answer unusable, as it would a Secret manifest beside the policies.
 */
import { parseSecret, type Secret, type SecretSource } from "../policy/kyverno/secrets.ts";
import {
  KubeObjectSource,
  type KubeObjectSourceOptions,
  type KubeResource,
} from "./kube-objects.ts";

export const SECRETS: KubeResource<Secret> = {
  resource: "secrets",
  kind: "Secret",
  parse: parseSecret,
};

export class KubeSecretSource extends KubeObjectSource<Secret> implements SecretSource {
  constructor(options: KubeObjectSourceOptions) {
    super(SECRETS, options);
  }
}
