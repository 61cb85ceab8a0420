/**
 * The ValidatingWebhookConfiguration and MutatingWebhookConfiguration that
 * send pod-bearing resources to the webhook Service, trusting the CA of
 * `imgverify certs`: ready for `kubectl apply -f`. The resources are those
 * whose images imgverify reads (Pods and the controllers that template them)
 * and what the given ImageValidatingPolicies match (see rules.ts); the
 * webhook's own namespace and kube-system are left out, so the webhook can
 * always start its own pods.
 */
import { stringify } from "yaml";
import { encodeBase64 } from "../../encoding/base64.ts";
import type { VerifyImagesPolicy } from "../../policy/index.ts";
import { webhookRules, webhookTimeoutSeconds } from "./rules.ts";

export interface WebhookConfigOptions {
  service: string;
  namespace: string;
  /** The port the Service exposes (it forwards to the port `serve` listens on). */
  port: number;
  /** PEM of the CA that signed the serving certificate. */
  caCert: string;
  /** Loaded policies whose resources and timeouts the webhooks must cover (none: Pods and controllers). */
  policies?: readonly VerifyImagesPolicy[];
}

type Route = "validate" | "mutate";

/** The two configurations, each with one webhook reached through `clientConfig(route)`. */
function configurationsYaml(
  name: string,
  webhookName: (route: Route) => string,
  clientConfig: (route: Route) => object,
  excludedNamespaces: readonly string[],
  policies: readonly VerifyImagesPolicy[] = [],
): string {
  const timeoutSeconds = webhookTimeoutSeconds(policies);
  const rules = webhookRules(policies);
  const webhook = (route: Route) => ({
    name: webhookName(route),
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    failurePolicy: "Fail",
    // Also the same request under another group or version (e.g. a Deployment via extensions/v1beta1).
    matchPolicy: "Equivalent",
    timeoutSeconds,
    clientConfig: clientConfig(route),
    rules,
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
    options.policies,
  );
}

export interface UrlWebhookConfigOptions {
  /** The configurations' name. */
  name: string;
  /** Where `/validate` and `/mutate` are served (the Worker's URL): https, no query or fragment. */
  url: URL;
  /** PEM of a CA for a certificate the API server's system roots do not trust. */
  caCert?: string;
  /** As for `webhookConfigYaml`. */
  policies?: readonly VerifyImagesPolicy[];
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
    options.policies,
  );
}
