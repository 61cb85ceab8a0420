/**
 * The ValidatingWebhookConfiguration and MutatingWebhookConfiguration that
 * send pod-bearing resources to the webhook Service, trusting the CA of
 * `imgverify certs`: ready for `kubectl apply -f`. The kinds are those whose
 * images imgverify reads (Pods and the controllers that template them); the
 * webhook's own namespace and kube-system are left out, so the webhook can
 * always start its own pods.
 */
import { stringify } from "yaml";
import { encodeBase64 } from "../../encoding/base64.ts";

export interface WebhookConfigOptions {
  service: string;
  namespace: string;
  /** The port the Service exposes (it forwards to the port `serve` listens on). */
  port: number;
  /** PEM of the CA that signed the serving certificate. */
  caCert: string;
}

/**
 * Every request that can start an image: Pods, `kubectl debug`'s
 * pods/ephemeralcontainers, and Kyverno's autogen controllers. Left out on
 * purpose: exec, attach, portforward, binding, status, eviction and the
 * controllers' scale subresources start no new image.
 */
const RULES = [
  { apiGroups: [""], resources: ["pods", "pods/ephemeralcontainers", "replicationcontrollers"] },
  { apiGroups: ["apps"], resources: ["deployments", "replicasets", "statefulsets", "daemonsets"] },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"] },
].map((rule) => ({ ...rule, apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], scope: "*" }));

/** Kubernetes' default, and the budget imgverify gives an admission when the policies set none. */
const TIMEOUT_SECONDS = 10;

type Route = "validate" | "mutate";

/** The two configurations, each with one webhook reached through `clientConfig(route)`. */
function configurationsYaml(
  name: string,
  webhookName: (route: Route) => string,
  clientConfig: (route: Route) => object,
  excludedNamespaces: readonly string[],
): string {
  const webhook = (route: Route) => ({
    name: webhookName(route),
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    failurePolicy: "Fail",
    // Also the same request under another group or version (e.g. a Deployment via extensions/v1beta1).
    matchPolicy: "Equivalent",
    timeoutSeconds: TIMEOUT_SECONDS,
    clientConfig: clientConfig(route),
    rules: RULES,
    namespaceSelector: {
      matchExpressions: [
        {
          key: "kubernetes.io/metadata.name",
          operator: "NotIn",
          values: [...new Set(excludedNamespaces)],
        },
      ],
    },
  });
  const config = (kind: string, route: Route, extra: object = {}) => ({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind,
    metadata: { name, labels: { "app.kubernetes.io/name": name } },
    webhooks: [{ ...webhook(route), ...extra }],
  });
  const documents = [
    config("ValidatingWebhookConfiguration", "validate"),
    config("MutatingWebhookConfiguration", "mutate", { reinvocationPolicy: "Never" }),
  ];
  return documents
    .map((doc) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }))
    .join("---\n");
}

const base64Pem = (pem: string): string => encodeBase64(new TextEncoder().encode(pem));

export function webhookConfigYaml(options: WebhookConfigOptions): string {
  const { service, namespace, port } = options;
  const caBundle = base64Pem(options.caCert);
  return configurationsYaml(
    service,
    // Webhook names must be fully qualified; the Service's DNS name is unique in the cluster.
    (route) => `${route}.${service}.${namespace}.svc`,
    (route) => ({ service: { name: service, namespace, path: `/${route}`, port }, caBundle }),
    [namespace, "kube-system"],
  );
}

export interface UrlWebhookConfigOptions {
  /** The configurations' name. */
  name: string;
  /** Where `/validate` and `/mutate` are served (the Worker's URL): https, no query or fragment. */
  url: URL;
  /** PEM of a CA for a certificate the API server's system roots do not trust. */
  caCert?: string;
}

/**
 * The same configurations for a webhook outside the cluster (the Worker),
 * reached by `clientConfig.url`; its certificate is usually from a public CA.
 */
export function urlWebhookConfigYaml(options: UrlWebhookConfigOptions): string {
  const { name, url } = options;
  const base = url.href.replace(/\/$/, "");
  const host = url.hostname;
  const caBundle = options.caCert === undefined ? undefined : base64Pem(options.caCert);
  return configurationsYaml(
    name,
    // At least three segments, as the API server requires.
    (route) => (host.includes(".") ? `${route}.${host}` : `${route}.${name}.${host}`),
    (route) => ({ url: `${base}/${route}`, ...(caBundle && { caBundle }) }),
    ["kube-system"],
  );
}
