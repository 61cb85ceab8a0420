/** `imgverify webhook-config --url`: configurations for a webhook the API server reaches by URL. */
import {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from "kubernetes-models/admissionregistration.k8s.io/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { runCli } from "../../../src/cli/main.ts";
import { webhookConfigYaml } from "../../../src/cli/webhook/config.ts";
import { PEM } from "../policy/helpers.ts";
import { fakeIo } from "./fake-io.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

/** An ImageValidatingPolicy over ConfigMaps on CREATE, with a 20 s timeout. */
const CONFIGMAP_POLICY = JSON.stringify({
  apiVersion: "policies.kyverno.io/v1beta1",
  kind: "ImageValidatingPolicy",
  metadata: { name: "configmaps" },
  spec: {
    validationActions: ["Deny"],
    webhookConfiguration: { timeoutSeconds: 20 },
    matchConstraints: {
      resourceRules: [
        { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["configmaps"] },
      ],
    },
    matchImageReferences: [{ glob: "ghcr.io/*" }],
    attestors: [{ name: "key", cosign: { key: { data: PEM } } }],
    validations: [{ expression: "true" }],
  },
});

async function printed(args: string[], files: Record<string, string> = {}) {
  const io = fakeIo(files);
  const code = await runCli(["webhook-config", ...args], io);
  return { code, io, docs: parseAllDocuments(io.out).map((d) => d.toJS()) };
}

describe("imgverify webhook-config", () => {
  it("prints schema-valid configurations that call URL/validate and URL/mutate", async () => {
    const { code, docs } = await printed(["--url", "https://imgverify.acme.workers.dev/"]);
    expect(code).toBe(0);
    const [validating, mutating] = docs;
    new ValidatingWebhookConfiguration(validating).validate();
    new MutatingWebhookConfiguration(mutating).validate();
    expect(validating.webhooks[0]).toMatchObject({
      name: "validate.imgverify.acme.workers.dev",
      clientConfig: { url: "https://imgverify.acme.workers.dev/validate" },
      failurePolicy: "Fail",
    });
    expect(validating.webhooks[0].clientConfig.caBundle).toBeUndefined();
    expect(mutating.webhooks[0].clientConfig).toEqual({
      url: "https://imgverify.acme.workers.dev/mutate",
    });
    expect(validating.webhooks[0].namespaceSelector.matchExpressions[0].values).toEqual([
      "kube-system",
    ]);
  });

  it("has the rules, timeout and policies of the Service configurations", async () => {
    const { docs } = await printed(["--url", "https://edge.example.com/hooks"]);
    const service = parseAllDocuments(
      webhookConfigYaml({ service: "imgverify", namespace: "imgverify", port: 443, caCert: CA }),
    ).map((d) => d.toJS());
    const { clientConfig: _u, name: _n, namespaceSelector: _a, ...byUrl } = docs[0].webhooks[0];
    const { clientConfig: _s, name: _m, namespaceSelector: _b, ...bySvc } = service[0].webhooks[0];
    expect(byUrl).toEqual(bySvc);
    expect(docs[0].webhooks[0].clientConfig.url).toBe("https://edge.example.com/hooks/validate");
  });

  it("trusts a CA from --ca-file", async () => {
    const { docs } = await printed(["--url", "https://10.0.0.5:8443", "--ca-file", "ca.crt"], {
      "ca.crt": CA,
    });
    expect(docs[0].webhooks[0].clientConfig.caBundle).toBe(btoa(CA));
    expect(docs[0].webhooks[0].name).toBe("validate.10.0.0.5");
  });

  it("with --policy also sends what its ImageValidatingPolicies match, for as long as they ask", async () => {
    const plain = await printed(["--url", "https://edge.example.com"]);
    const { code, docs } = await printed(
      ["--url", "https://edge.example.com", "--policy", "policies"],
      { "policies/configmaps.json": CONFIGMAP_POLICY },
    );
    expect(code).toBe(0);
    new ValidatingWebhookConfiguration(docs[0]).validate();
    new MutatingWebhookConfiguration(docs[1]).validate();
    for (const [doc, before] of [
      [docs[0], plain.docs[0]],
      [docs[1], plain.docs[1]],
    ]) {
      expect(doc.webhooks[0].timeoutSeconds).toBe(20);
      expect(doc.webhooks[0].rules).toEqual([
        ...before.webhooks[0].rules,
        {
          apiGroups: [""],
          resources: ["configmaps"],
          apiVersions: ["v1"],
          operations: ["CREATE"],
          scope: "*",
        },
      ]);
    }
  });

  it("refuses a policy that does not load, naming its file", async () => {
    const { code, io } = await printed(
      ["--url", "https://edge.example.com", "--policy", "bad.yaml"],
      { "bad.yaml": CONFIGMAP_POLICY.replace('"Deny"', '"Stop"') },
    );
    expect(code).toBe(2);
    expect(io.out).toBe("");
    expect(io.err).toContain("bad.yaml#0 configmaps spec.validationActions[0]");
  });

  it.each([
    [[], "needs --url URL"],
    [["--url", "http://edge.example.com"], "must be https"],
    [["--url", "https://u:p@edge.example.com"], "must not hold credentials"],
    [["--url", "https://edge.example.com/?a=1"], "must have no query or fragment"],
    [["--url", "edge.example.com"], "is not a URL"],
    [["--url", "https://edge.example.com", "--name", "Bad_Name"], "is not a DNS label"],
  ])("refuses %j", async (args, message) => {
    const { code, io } = await printed(args);
    expect(code).toBe(2);
    expect(io.err).toContain(message);
  });
});
