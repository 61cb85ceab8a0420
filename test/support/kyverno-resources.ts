/**
 * The Kubernetes objects CLI tests hand to `imgverify apply`: a Pod, and a
 * ClusterPolicy whose one verifyImages rule trusts one attestor entry.
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
