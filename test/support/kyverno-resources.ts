/**
 * The Kubernetes objects CLI tests hand to `imgverify apply` and `serve`: a
 * Pod, a ClusterPolicy whose one verifyImages rule trusts one attestor entry,
 * and an ImageValidatingPolicy with one cosign key attestor.
 */

export const podOf = (name: string, image: string, namespace = "shop") => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace },
  spec: { containers: [{ name: "c", image }] },
});

/**
 * An Enforce ClusterPolicy `name` with rule `rule` checking `imageReferences`
 * with `entry`; `fields` are added to its verifyImages entry.
 */
export function verifyImagesPolicy(
  name: string,
  rule: string,
  imageReferences: readonly string[],
  entry: object,
  fields: object = {},
) {
  return {
    apiVersion: "kyverno.io/v1",
    kind: "ClusterPolicy",
    metadata: { name },
    spec: {
      validationFailureAction: "Enforce",
      rules: [
        {
          name: rule,
          match: { any: [{ resources: { kinds: ["Pod"] } }] },
          verifyImages: [{ imageReferences, attestors: [{ entries: [entry] }], ...fields }],
        },
      ],
    },
  };
}

export interface KeyAttestedIvpol {
  /** Pods' images under this registry are the policy's. */
  registryHost: string;
  /** The cosign key attestor `key` trusts. */
  publicKey: string;
  validations: object[];
  attestations?: object[];
}

/** An Enforce (Deny) ImageValidatingPolicy `signed-images` for Pods created, with attestor `key`. */
export function keyAttestedIvpol(options: KeyAttestedIvpol): object {
  const { registryHost, publicKey, validations, attestations } = options;
  return {
    apiVersion: "policies.kyverno.io/v1beta1",
    kind: "ImageValidatingPolicy",
    metadata: { name: "signed-images" },
    spec: {
      validationActions: ["Deny"],
      matchConstraints: {
        resourceRules: [
          { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] },
        ],
      },
      matchImageReferences: [{ glob: `${registryHost}/*` }],
      attestors: [
        { name: "key", cosign: { key: { data: publicKey }, ctlog: { insecureIgnoreTlog: true } } },
      ],
      ...(attestations !== undefined && { attestations }),
      validations,
    },
  };
}
