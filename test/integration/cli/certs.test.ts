/**
 * `imgverify certs` end to end: the files it writes pass `openssl verify`,
 * carry the Service's names and serverAuth, and `serve --tls-cert/--tls-key`
 * serves HTTPS with them to a client that trusts only the new CA; with
 * --policy, the webhook configurations also send what the policies match.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { get } from "node:https";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { guardProcess, makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { childEnv, IMGVERIFY_BIN, runImgverify } from "../../support/cli.ts";
import { run } from "../../support/exec.ts";
import { PEM } from "../../unit/policy/helpers.ts";

const dir = makeTempDir("certs");
afterAll(() => removeTempDir(dir));
const out = join(dir, "tls");
const READY_TIMEOUT_MS = 30_000;

interface Rule {
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  operations: string[];
}

/** The rules and timeout of both printed configurations, which must agree. */
function webhooksOf(yaml: string): { rules: Rule[]; timeoutSeconds: number } {
  const docs = parseAllDocuments(yaml).map((d) => d.toJS());
  expect(docs.map((d) => d.kind)).toEqual([
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
  ]);
  const [validating, mutating] = docs.map(({ webhooks: [w] }) => ({
    rules: w.rules as Rule[],
    timeoutSeconds: w.timeoutSeconds as number,
  }));
  expect(mutating).toEqual(validating);
  return validating as { rules: Rule[]; timeoutSeconds: number };
}

/** `group/resource operation` for each request the rules send, wildcards as written. */
function sent(rules: readonly Rule[]): string[] {
  return rules
    .flatMap((r) =>
      r.apiGroups.flatMap((g) =>
        r.resources.flatMap((x) => r.operations.map((op) => `${g}/${x} ${op}`)),
      ),
    )
    .sort();
}

/** An ImageValidatingPolicy over ConfigMaps and Deployments on CREATE, with a 25 s timeout. */
const IVPOL = `apiVersion: policies.kyverno.io/v1beta1
kind: ImageValidatingPolicy
metadata:
  name: configmap-images
spec:
  validationActions: [Deny]
  webhookConfiguration:
    timeoutSeconds: 25
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: [v1]
        operations: [CREATE]
        resources: [configmaps]
      - apiGroups: [apps]
        apiVersions: [v1]
        operations: [CREATE]
        resources: [deployments]
  matchImageReferences:
    - glob: "ghcr.io/*"
  attestors:
    - name: key
      cosign:
        key:
          data: |
${PEM.replace(/^/gm, "            ")}
  validations:
    - expression: "true"
`;

/** GET `url` over HTTPS trusting `ca` only: the status and body, or the TLS error's code. */
function httpsGet(
  url: string,
  ca: string | undefined,
): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const request = get(url, { ca, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (text: string) => {
        body += text;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.on("error", (err: NodeJS.ErrnoException) =>
      resolve({ error: err.code ?? err.message }),
    );
  });
}

describe("imgverify certs", () => {
  it("sends every request that can start an image to both webhooks, kubectl debug included", async () => {
    const made = await runImgverify(["certs", "--out", join(dir, "rules")], {
      dockerConfigDir: dir,
    });
    expect(made.code).toBe(0);
    const { rules, timeoutSeconds } = webhooksOf(made.stdout);
    expect(timeoutSeconds).toBe(10);
    expect(sent(rules)).toEqual(
      [
        "/pods",
        "/pods/ephemeralcontainers",
        "/replicationcontrollers",
        "apps/daemonsets",
        "apps/deployments",
        "apps/replicasets",
        "apps/statefulsets",
        "batch/cronjobs",
        "batch/jobs",
      ]
        .flatMap((x) => [`${x} CREATE`, `${x} UPDATE`])
        .sort(),
    );
  });

  it("with --policy also sends what an ImageValidatingPolicy matches, for as long as it asks", async () => {
    const base = await runImgverify(["certs", "--out", join(dir, "plain")], {
      dockerConfigDir: dir,
    });
    const policy = join(dir, "ivpol.yaml");
    writeFileSync(policy, IVPOL);
    const made = await runImgverify(["certs", "--out", join(dir, "widened"), "--policy", policy], {
      dockerConfigDir: dir,
    });
    expect(made.code, made.stderr).toBe(0);
    const before = webhooksOf(base.stdout);
    const after = webhooksOf(made.stdout);
    expect(after.timeoutSeconds).toBe(25);
    // Deployments on CREATE are sent already; ConfigMaps on CREATE (only) are new.
    expect(after.rules).toEqual([
      ...before.rules,
      {
        apiGroups: [""],
        resources: ["configmaps"],
        apiVersions: ["v1"],
        operations: ["CREATE"],
        scope: "*",
      },
    ]);
    expect(sent(after.rules)).toContain("apps/deployments CREATE");
    expect(sent(after.rules)).not.toContain("/configmaps UPDATE");
  });

  it("refuses a policy that does not load, naming the file and the field, and writes nothing", async () => {
    const policy = join(dir, "refused.yaml");
    writeFileSync(policy, IVPOL.replace("[Deny]", "[Stop]"));
    const made = await runImgverify(["certs", "--out", join(dir, "refused"), "--policy", policy], {
      dockerConfigDir: dir,
    });
    expect(made.code).toBe(2);
    expect(made.stdout).toBe("");
    expect(made.stderr).toContain(`${policy}#0 configmap-images spec.validationActions[0]`);
    expect(existsSync(join(dir, "refused"))).toBe(false);
  });

  it("writes a CA and a serving certificate openssl accepts, for the Service's names", async () => {
    const args = [
      "certs",
      "--out",
      out,
      "--service",
      "hook",
      "--namespace",
      "sec",
      "--ip",
      "127.0.0.1",
    ];
    const made = await runImgverify(args, { dockerConfigDir: dir });
    expect(made.stderr).toContain(`wrote ${out}/ca.crt`);
    expect(made.code).toBe(0);
    expect(made.stdout).toContain("kind: ValidatingWebhookConfiguration");
    expect(statSync(join(out, "tls.key")).mode & 0o777).toBe(0o600);

    const verified = await run("openssl", [
      "verify",
      "-CAfile",
      join(out, "ca.crt"),
      join(out, "tls.crt"),
    ]);
    expect(verified.stdout.trim()).toBe(`${join(out, "tls.crt")}: OK`);
    const leaf = (await run("openssl", ["x509", "-in", join(out, "tls.crt"), "-noout", "-text"]))
      .stdout;
    expect(leaf).toContain(
      "DNS:hook, DNS:hook.sec, DNS:hook.sec.svc, DNS:hook.sec.svc.cluster.local, IP Address:127.0.0.1",
    );
    expect(leaf).toMatch(/Extended Key Usage: *\n *TLS Web Server Authentication\n/);
    expect(leaf).toMatch(/Basic Constraints: critical\n *CA:FALSE/);
    expect(leaf).toContain("ecdsa-with-SHA256");
    expect(leaf).toContain("NIST CURVE: P-256");
    const ca = (await run("openssl", ["x509", "-in", join(out, "ca.crt"), "-noout", "-text"]))
      .stdout;
    expect(ca).toMatch(/Basic Constraints: critical\n *CA:TRUE/);
    expect(ca).toMatch(/Key Usage: critical\n *Certificate Sign/);
    const key = await run("openssl", ["pkey", "-in", join(out, "tls.key"), "-noout", "-text"]);
    expect(key.stdout).toContain("NIST CURVE: P-256");

    const again = await runImgverify(args, { dockerConfigDir: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("not overwriting");
  });

  it("serve --tls-cert/--tls-key serves HTTPS that a client trusting the CA accepts", async () => {
    const tlsArgs = ["--tls-cert", join(out, "tls.crt"), "--tls-key", join(out, "tls.key")];
    const child = spawn(process.execPath, [IMGVERIFY_BIN, "serve", "--port", "0", ...tlsArgs], {
      env: childEnv({ DOCKER_CONFIG: dir }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const guarded = guardProcess(child, dir);
    try {
      let stdout = "";
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (text: string) => {
        stderr += text;
      });
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`serve did not listen: ${stderr}`)),
          READY_TIMEOUT_MS,
        );
        child.stdout.setEncoding("utf8").on("data", (text: string) => {
          stdout += text;
          const found = /listening on (https:\/\/\S+)\n/.exec(stdout)?.[1];
          if (found) {
            clearTimeout(timer);
            resolve(found);
          }
        });
      });
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = readFileSync(join(out, "ca.crt"), "utf8");
      expect(await httpsGet(`${url}/healthz`, ca)).toEqual({
        status: 200,
        body: '{"status":"ok"}',
      });
      // The system roots do not know the new CA: proof the CA is what makes the difference.
      expect((await httpsGet(`${url}/healthz`, undefined)).error).toMatch(/CERT|SIGNATURE|ISSUER/);
    } finally {
      await guarded.stop();
    }
  });
});
