/** The AdmissionReview body of a Pod CREATE in namespace `shop` with one container running `image`. */
export function podReviewBody(uid: string, image: string, username: string): string {
  const object = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "shop" },
    spec: { containers: [{ name: "c", image }] },
  };
  return JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid,
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      name: "web",
      namespace: "shop",
      operation: "CREATE",
      userInfo: { username, groups: ["system:authenticated"] },
      object,
    },
  });
}
