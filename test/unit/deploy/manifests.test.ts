/**
 * deploy/ as `kubectl apply -k` would send it: every file a kustomization
 * lists, each object validated against the Kubernetes API schema of its kind
 * (kubernetes-models), and the parts that must agree with each other and with
 * the code checked together: selectors and labels, ports, mounted paths and
 * `serve`'s flags, the policies the ConfigMap carries, the least RBAC, and the
 * webhook configurations, which must equal what `imgverify certs` prints.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from "kubernetes-models/admissionregistration.k8s.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ClusterRole, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { ConfigMap, Namespace, Service, ServiceAccount } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { serveCommand } from "../../../src/cli/commands/serve.ts";
import { parseArgs } from "../../../src/cli/flags/args.ts";
import { withEnvironment } from "../../../src/cli/flags/environment.ts";
import { globalFlags } from "../../../src/cli/flags/global-flags.ts";
import { parseCacheUrl } from "../../../src/cli/serve/shared-cache.ts";
import { webhookConfigYaml } from "../../../src/cli/webhook/config.ts";
import { loadPolicies } from "../../../src/policy/kyverno/load.ts";

// Manifests are free-form YAML, checked field by field below.
type Manifest = any;

const DEPLOY = fileURLToPath(new URL("../../../deploy/", import.meta.url));
const BASE = "kustomization.yaml";
const CERT_MANAGER = "overlays/cert-manager/kustomization.yaml";
const REDIS = "overlays/redis/kustomization.yaml";

/** Each built-in kind the manifests use, by apiVersion and kind: its schema-checking model. */
const MODELS: Record<string, new (data: Manifest) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration": ValidatingWebhookConfiguration,
  "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": MutatingWebhookConfiguration,
};
/** cert-manager's kinds (CRDs, no schema here): checked for shape and by the tests below. */
const CERT_MANAGER_KINDS = new Set(["cert-manager.io/v1/Issuer", "cert-manager.io/v1/Certificate"]);
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
]);

const readYaml = (path: string): Manifest[] =>
  parseAllDocuments(readFileSync(path, "utf8")).map((doc) => {
    expect(doc.errors, path).toEqual([]);
    return doc.toJS();
  });

/** The files a kustomization's `resources` name, following bases, relative to deploy/. */
function resourceFiles(kustomization: string): string[] {
  const [doc] = readYaml(join(DEPLOY, kustomization));
  const dir = dirname(join(DEPLOY, kustomization));
  return (doc.resources as string[]).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      return resourceFiles(relative(DEPLOY, join(path, "kustomization.yaml")));
    }
    return [relative(DEPLOY, path)];
  });
}

const objects = (kustomization: string): Manifest[] =>
  resourceFiles(kustomization).flatMap((file) => readYaml(join(DEPLOY, file)));

const key = (doc: Manifest): string => `${doc.apiVersion}/${doc.kind}`;
const base = objects(BASE);
const overlay = objects(CERT_MANAGER);
const redisOverlay = objects(REDIS);
const only = (docs: Manifest[], kind: string, name?: string): Manifest => {
  const found = docs.filter(
    (d) => d.kind === kind && (name === undefined || d.metadata.name === name),
  );
  expect(found, `${kind} ${name ?? ""}`).toHaveLength(1);
  return found[0];
};

const deployment = only(base, "Deployment");
const pod = deployment.spec.template;
const [container] = pod.spec.containers;
const podLabels: Record<string, string> = pod.metadata.labels;
const namespace = only(base, "Namespace").metadata.name as string;

/** `selector` (matchLabels or a Service's plain map) picks the webhook's pods. */
function selectsPods(selector: Record<string, string>): void {
  expect(Object.keys(selector).length).toBeGreaterThan(0);
  for (const [label, value] of Object.entries(selector)) expect(podLabels[label]).toBe(value);
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFilesUnder(path);
    return entry.name.endsWith(".yaml") ? [relative(DEPLOY, path)] : [];
  });
}

describe("deploy/ kustomizations", () => {
  it("list every manifest file under deploy/, and only files that exist", () => {
    const listed = new Set([BASE, CERT_MANAGER, REDIS].flatMap(resourceFiles));
    const kustomizations = [BASE, CERT_MANAGER, REDIS];
    const onDisk = yamlFilesUnder(DEPLOY).filter((f) => !kustomizations.includes(f));
    expect([...listed].sort()).toEqual(onDisk.sort());
  });

  it("validate every object against the Kubernetes API schema of its kind", () => {
    for (const doc of [...overlay, ...redisOverlay]) {
      const model = MODELS[key(doc)];
      if (model) {
        expect(() => new model(doc).validate(), `${key(doc)} ${doc.metadata?.name}`).not.toThrow();
      } else {
        expect(CERT_MANAGER_KINDS.has(key(doc)), `no schema for ${key(doc)}`).toBe(true);
        expect(typeof doc.spec).toBe("object");
      }
    }
  });

  it("catch a schema error (the validation is live)", () => {
    const broken = structuredClone(deployment);
    broken.spec.replicas = "two";
    expect(() => new Deployment(broken).validate()).toThrow(/replicas/);
  });

  it("put every namespaced object in the webhook's namespace", () => {
    const [doc] = readYaml(join(DEPLOY, BASE));
    expect(doc.namespace).toBe(namespace);
    for (const object of [...overlay, ...redisOverlay]) {
      if (CLUSTER_SCOPED.has(object.kind)) expect(object.metadata.namespace).toBeUndefined();
      else expect(object.metadata.namespace, `${key(object)}`).toBe(namespace);
    }
  });

  it("enforce the restricted Pod Security Standard in that namespace", () => {
    const labels = only(base, "Namespace").metadata.labels;
    expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });
});

describe("deploy/ Deployment", () => {
  it("runs at least two replicas on different nodes, never fewer than one during a rollout", () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    selectsPods(deployment.spec.selector.matchLabels);
    const [term] =
      pod.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(term.podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
    selectsPods(term.podAffinityTerm.labelSelector.matchLabels);
    const pdb = only(base, "PodDisruptionBudget");
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  it("runs non-root, read-only, without privileges or added capabilities, under seccomp", () => {
    const podSecurity = pod.spec.securityContext;
    expect(podSecurity.runAsNonRoot).toBe(true);
    expect(podSecurity.runAsUser).toBeGreaterThan(0);
    expect(podSecurity.seccompProfile).toEqual({ type: "RuntimeDefault" });
    const security = container.securityContext;
    expect(security.allowPrivilegeEscalation).toBe(false);
    expect(security.readOnlyRootFilesystem).toBe(true);
    expect(security.privileged).toBe(false);
    expect(security.capabilities).toEqual({ drop: ["ALL"] });
    expect(container.securityContext.capabilities.add).toBeUndefined();
  });

  it("has memory and CPU requests, a memory limit, and probes on /readyz and /healthz over HTTPS", () => {
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.requests.memory).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    const ports = new Set(container.ports.map((p: Manifest) => p.name));
    for (const [probe, path] of [
      ["readinessProbe", "/readyz"],
      ["livenessProbe", "/healthz"],
    ] as const) {
      expect(container[probe].httpGet.path).toBe(path);
      expect(container[probe].httpGet.scheme).toBe("HTTPS");
      expect(ports.has(container[probe].httpGet.port)).toBe(true);
    }
  });

  it("passes serve flags it accepts, with every file it names on a mounted volume", () => {
    expect(container.args[0]).toBe("serve");
    const parsed = parseArgs(
      container.args.slice(1),
      { ...globalFlags, ...serveCommand.flags },
      "serve",
    );
    // serveCommand is typed by the dispatcher's loose FlagSpecs; the values are strings and booleans.
    const flags = parsed.flags as Record<string, Manifest>;
    const positionals = parsed.positionals;
    expect(positionals).toEqual([]);
    expect(Number(flags.port)).toBe(container.ports[0].containerPort);
    // Cluster objects through the API, within what rbac.yaml grants.
    expect([flags["config-maps"], flags.secrets]).toEqual(["kube", "kube"]);
    const volumes = new Map(pod.spec.volumes.map((v: Manifest) => [v.name, v]));
    const mountOf = (path: string): Manifest => {
      const mount = container.volumeMounts.find(
        (m: Manifest) => path === m.mountPath || path.startsWith(`${m.mountPath}/`),
      );
      expect(mount, `no volume mounted at ${path}`).toBeDefined();
      expect(mount.readOnly).toBe(true);
      return volumes.get(mount.name);
    };
    expect(mountOf(flags.policy[0]).configMap.name).toBe("imgverify-policies");
    const tls = mountOf(flags["tls-cert"]);
    expect(mountOf(flags["tls-key"])).toBe(tls);
    expect(tls.secret.secretName).toBe("imgverify-tls");
    // kubernetes.io/tls Secrets (`kubectl create secret tls`, cert-manager) hold tls.crt and tls.key.
    expect([flags["tls-cert"], flags["tls-key"]].map((p) => p.split("/").at(-1))).toEqual([
      "tls.crt",
      "tls.key",
    ]);
    const auth = mountOf(flags["auth-token-file"]);
    expect(auth.secret.items).toEqual([
      { key: "token", path: flags["auth-token-file"].split("/").at(-1) },
    ]);
    expect(flags["allow-unauthenticated"]).toBe(false);
    expect(flags["verify-api"]).toBe(false);
  });

  it("gives the pod no IMGVERIFY_* variable serve would refuse, service links included", () => {
    // What the kubelet sets: the container's env, and unless enableServiceLinks is false,
    // <NAME>_SERVICE_HOST, <NAME>_PORT=tcp://… and more for every Service in the namespace.
    const env = new Map<string, string>(
      (container.env ?? []).map((e: Manifest) => [e.name, e.value ?? "from a reference"]),
    );
    if (pod.spec.enableServiceLinks !== false) {
      for (const service of base.filter((m) => m.kind === "Service")) {
        const prefix = service.metadata.name.toUpperCase().replaceAll("-", "_");
        env.set(`${prefix}_SERVICE_HOST`, "10.96.0.12");
        env.set(`${prefix}_PORT`, "tcp://10.96.0.12:443");
      }
    }
    const source = {
      env: (name: string) => env.get(name),
      envNames: (prefix: string) => [...env.keys()].filter((n) => n.startsWith(prefix)),
    };
    const specs = { ...globalFlags, ...serveCommand.flags };
    expect(() =>
      withEnvironment(
        parseArgs([], specs, "serve").flags,
        specs,
        source,
        "serve",
        serveCommand.environment?.alsoRead,
      ),
    ).not.toThrow();
  });

  it("mounts a ConfigMap whose every key is a policy file serve loads", () => {
    const configMap = only(base, "ConfigMap", "imgverify-policies");
    const files = Object.entries(configMap.data as Record<string, string>).map(([name, text]) => ({
      path: name,
      text,
    }));
    expect(files.every((f) => f.path.endsWith(".yaml"))).toBe(true);
    const loaded = loadPolicies(files);
    expect(loaded.policies.length).toBe(files.length);
    expect(loaded.issues).toEqual([]);
  });
});

describe("deploy/ network and RBAC", () => {
  it("exposes the container's https port through the Service the webhooks call", () => {
    const service = only(base, "Service");
    selectsPods(service.spec.selector);
    const [port] = service.spec.ports;
    expect(container.ports.map((p: Manifest) => p.name)).toContain(port.targetPort);
    for (const hook of only(overlay, "ValidatingWebhookConfiguration").webhooks) {
      expect(hook.clientConfig.service).toMatchObject({
        name: service.metadata.name,
        namespace,
        port: port.port,
      });
    }
  });

  it("lets traffic in only on the webhook port, to the webhook's pods", () => {
    const policy = only(base, "NetworkPolicy");
    selectsPods(policy.spec.podSelector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    const ingressPorts = policy.spec.ingress.flatMap((rule: Manifest) => rule.ports);
    expect(ingressPorts).toEqual([{ port: container.ports[0].containerPort, protocol: "TCP" }]);
  });

  it("grants the service account get on ConfigMaps and on Secrets in its own namespace and nothing else", () => {
    const account = only(base, "ServiceAccount");
    expect(pod.spec.serviceAccountName).toBe(account.metadata.name);
    const roles = base.filter((d) => d.kind === "ClusterRole");
    expect(roles.map((role) => role.rules)).toEqual([
      [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"] }],
      [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }],
    ]);
    const bindings = base.filter((d) => d.kind === "RoleBinding");
    expect(bindings.map((binding) => binding.roleRef)).toEqual(
      roles.map((role) => ({
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: role.metadata.name,
      })),
    );
    for (const binding of bindings) {
      expect(binding.metadata.namespace).toBe(namespace);
      expect(binding.subjects).toEqual([
        { kind: "ServiceAccount", name: account.metadata.name, namespace },
      ]);
    }
    const all = [...overlay, ...redisOverlay];
    expect(all.some((d) => d.kind === "ClusterRoleBinding" || d.kind === "Role")).toBe(false);
  });
});

describe("deploy/overlays/cert-manager", () => {
  const service = only(base, "Service");
  const certificate = only(overlay, "Certificate", service.metadata.name);

  it("issues the serving certificate into the Secret the pods mount, for the Service's names", () => {
    const tls = pod.spec.volumes.find((v: Manifest) => v.name === "tls");
    expect(certificate.spec.secretName).toBe(tls.secret.secretName);
    const name = service.metadata.name;
    expect(certificate.spec.dnsNames).toEqual([
      name,
      `${name}.${namespace}`,
      `${name}.${namespace}.svc`,
      `${name}.${namespace}.svc.cluster.local`,
    ]);
    const issuer = only(overlay, "Issuer", certificate.spec.issuerRef.name);
    expect(issuer.spec.ca.secretName).toBe(
      only(overlay, "Certificate", "imgverify-ca").spec.secretName,
    );
  });

  it("holds exactly the webhook configurations imgverify certs prints, the caBundle left to cert-manager", () => {
    const printed = parseAllDocuments(
      webhookConfigYaml({
        service: service.metadata.name,
        namespace,
        port: service.spec.ports[0].port,
        caCert: "unused",
      }),
    ).map((doc) => doc.toJS());
    for (const doc of printed) {
      doc.metadata.annotations = {
        "cert-manager.io/inject-ca-from": `${namespace}/${certificate.metadata.name}`,
      };
      for (const hook of doc.webhooks) delete hook.clientConfig.caBundle;
    }
    const inOverlay = readYaml(join(DEPLOY, "overlays/cert-manager/webhooks.yaml"));
    expect(inOverlay).toEqual(printed);
  });

  it("never sends the webhook's own namespace or kube-system to the webhook", () => {
    for (const config of overlay.filter((d) => d.kind.endsWith("WebhookConfiguration"))) {
      for (const hook of config.webhooks) {
        expect(hook.namespaceSelector.matchExpressions).toContainEqual({
          key: "kubernetes.io/metadata.name",
          operator: "NotIn",
          values: [namespace, "kube-system"],
        });
        expect(hook).toMatchObject({
          sideEffects: "None",
          matchPolicy: "Equivalent",
          admissionReviewVersions: ["v1"],
        });
        expect(hook.timeoutSeconds).toBeLessThanOrEqual(30);
        expect(hook.rules[0].resources).toContain("pods/ephemeralcontainers");
      }
    }
  });
});

describe("deploy/overlays/redis", () => {
  const settings = only(redisOverlay, "ConfigMap", "imgverify-settings");
  const redis = only(redisOverlay, "Deployment", "redis");
  const redisPod = redis.spec.template;
  const redisLabels: Record<string, string> = redisPod.metadata.labels;
  const selectsRedis = (selector: Record<string, string>) => {
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    for (const [label, value] of Object.entries(selector)) expect(redisLabels[label]).toBe(value);
    // Never the webhook's pods: their labels differ in the component.
    expect(Object.entries(selector).every(([l, v]) => podLabels[l] === v)).toBe(false);
  };

  it("hands the webhook settings serve accepts, through the ConfigMap the base reads", () => {
    expect(container.envFrom).toContainEqual({
      configMapRef: { name: settings.metadata.name, optional: true },
    });
    const env = new Map(Object.entries(settings.data as Record<string, string>));
    const source = {
      env: (name: string) => env.get(name),
      envNames: (prefix: string) => [...env.keys()].filter((n) => n.startsWith(prefix)),
    };
    const specs = { ...globalFlags, ...serveCommand.flags };
    const flags = withEnvironment(
      parseArgs([], specs, "serve").flags,
      specs,
      source,
      "serve",
    ) as Record<string, Manifest>;
    const url = parseCacheUrl(flags["cache-url"]);
    const service = only(redisOverlay, "Service", "redis");
    expect(url.hostname).toBe(`${service.metadata.name}.${namespace}.svc`);
    expect(Number(url.port)).toBe(service.spec.ports[0].port);
    selectsRedis(service.spec.selector);
    // The key file is the Secret the base mounts, optional so the base runs without it.
    const mount = container.volumeMounts.find((m: Manifest) =>
      flags["cache-key-file"].startsWith(`${m.mountPath}/`),
    );
    expect(mount.readOnly).toBe(true);
    const volume = pod.spec.volumes.find((v: Manifest) => v.name === mount.name);
    expect(volume.secret).toMatchObject({ secretName: "imgverify-cache-key", optional: true });
    expect(volume.secret.items).toEqual([
      { key: "key", path: flags["cache-key-file"].split("/").at(-1) },
    ]);
  });

  it("runs Redis in memory only, non-root and read-only under the namespace's restricted policy", () => {
    const [server] = redisPod.spec.containers;
    expect(server.args.join(" ")).toContain("--save  --appendonly no");
    expect(server.args).toContain("allkeys-lru");
    expect(redisPod.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(server.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(server.resources.limits.memory).toBeDefined();
    expect(redisPod.spec.automountServiceAccountToken).toBe(false);
  });

  it("lets only the webhook's pods reach Redis, and Redis reach nothing", () => {
    const inbound = only(redisOverlay, "NetworkPolicy", "redis");
    selectsRedis(inbound.spec.podSelector.matchLabels);
    expect(inbound.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(inbound.spec.egress).toBeUndefined();
    const [rule] = inbound.spec.ingress;
    expect(inbound.spec.ingress).toHaveLength(1);
    selectsPods(rule.from[0].podSelector.matchLabels);
    expect(rule.ports).toEqual([{ port: 6379, protocol: "TCP" }]);

    const outbound = only(redisOverlay, "NetworkPolicy", "imgverify-to-redis");
    selectsPods(outbound.spec.podSelector.matchLabels);
    expect(outbound.spec.policyTypes).toEqual(["Egress"]);
    selectsRedis(outbound.spec.egress[0].to[0].podSelector.matchLabels);
    expect(outbound.spec.egress[0].ports).toEqual([{ port: 6379, protocol: "TCP" }]);
  });
});
