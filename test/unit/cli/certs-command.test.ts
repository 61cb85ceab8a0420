import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { runCli } from "../../../src/cli/main.ts";
import { fakeIo } from "./fake-io.ts";

const decode = (base64: string) =>
  new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));

describe("imgverify certs", () => {
  it("writes ca.crt, tls.crt and a 0600 tls.key, and prints webhook configurations trusting the CA", async () => {
    const files: Record<string, string> = {};
    const io = fakeIo(files);
    expect(
      await runCli(["certs", "--out", "tls", "--namespace", "policy", "--port", "8443"], io),
    ).toBe(0);
    expect(Object.keys(files).sort()).toEqual(["tls/ca.crt", "tls/tls.crt", "tls/tls.key"]);
    expect(io.modes).toEqual({ "tls/ca.crt": 0o644, "tls/tls.crt": 0o644, "tls/tls.key": 0o600 });
    expect(files["tls/ca.crt"]).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[^]+\n-----END CERTIFICATE-----\n$/,
    );
    expect(files["tls/tls.key"]).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const docs = parseAllDocuments(io.out).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual([
      "ValidatingWebhookConfiguration",
      "MutatingWebhookConfiguration",
    ]);
    for (const [doc, route] of [
      [docs[0], "validate"],
      [docs[1], "mutate"],
    ] as const) {
      const [webhook] = doc.webhooks;
      expect(webhook.name).toBe(`${route}.imgverify.policy.svc`);
      expect(webhook.clientConfig.service).toEqual({
        name: "imgverify",
        namespace: "policy",
        path: `/${route}`,
        port: 8443,
      });
      expect(decode(webhook.clientConfig.caBundle)).toBe(files["tls/ca.crt"]);
      expect(webhook.admissionReviewVersions).toEqual(["v1"]);
      expect(webhook.sideEffects).toBe("None");
      expect(webhook.matchPolicy).toBe("Equivalent");
      expect(webhook.namespaceSelector.matchExpressions[0].values).toEqual([
        "policy",
        "kube-system",
      ]);
    }
    expect(io.err).toContain(
      "kubectl -n policy create secret tls imgverify-tls --cert tls/tls.crt --key tls/tls.key",
    );
    expect(io.err).toContain("imgverify.policy.svc.cluster.local");
  });

  it("refuses to overwrite without --force, writing nothing, and replaces with it", async () => {
    const files: Record<string, string> = { "out/tls.key": "old key" };
    const io = fakeIo(files);
    expect(await runCli(["certs", "--out", "out/"], io)).toBe(2);
    expect(io.err).toContain("not overwriting out/tls.key");
    expect(Object.keys(files)).toEqual(["out/tls.key"]);
    expect(
      await runCli(["certs", "--out", "out/", "--force", "--webhook-config", "hooks.yaml"], io),
    ).toBe(0);
    expect(files["out/tls.key"]).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(parseAllDocuments(files["hooks.yaml"] ?? "")).toHaveLength(2);
    expect(io.out).toBe("");
  });

  it("with --json names the files, the names and the expiry, extra SANs included", async () => {
    const io = fakeIo();
    const args = [
      "certs",
      "--out",
      "d",
      "--days",
      "2",
      "--dns",
      "Webhook.Example.com",
      "--ip",
      "127.0.0.1",
      "--json",
    ];
    expect(await runCli(args, io)).toBe(0);
    const out = parse(io.out);
    expect(out.files).toEqual(["d/ca.crt", "d/tls.crt", "d/tls.key"]);
    expect(out.dnsNames).toEqual([
      "imgverify",
      "imgverify.imgverify",
      "imgverify.imgverify.svc",
      "imgverify.imgverify.svc.cluster.local",
      "webhook.example.com",
    ]);
    expect(out.ipAddresses).toEqual(["127.0.0.1"]);
    const days = (Date.parse(out.notAfter) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(1.99);
    expect(days).toBeLessThanOrEqual(2);
    expect(out.webhookConfig).toContain("kind: MutatingWebhookConfiguration");
  });

  it.each([
    [["certs"], "certs needs --out DIR"],
    [["certs", "--out", "d", "--days", "0"], '--days "0": expected 1-3650'],
    [["certs", "--out", "d", "--days", "3651"], "expected 1-3650"],
    [["certs", "--out", "d", "--service", "Web_hook"], '--service "Web_hook" is not a DNS label'],
    [["certs", "--out", "d", "--dns", "bad..name"], '--dns "bad..name" is not a DNS name'],
    [
      ["certs", "--out", "d", "--ip", "300.1.1.1"],
      '--ip "300.1.1.1" is not an IPv4 or IPv6 address',
    ],
    [["certs", "--out", "d", "extra"], 'unexpected argument "extra"'],
  ])("refuses %j with a usage error", async (args, message) => {
    const io = fakeIo();
    expect(await runCli(args, io)).toBe(2);
    expect(io.err).toContain(message);
    expect(io.err).toContain("imgverify certs --help");
  });
});
