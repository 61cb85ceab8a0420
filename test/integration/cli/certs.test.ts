/**
 * `imgverify certs` end to end: the files it writes pass `openssl verify`,
 * carry the Service's names and serverAuth, and `serve --tls-cert/--tls-key`
 * serves HTTPS with them to a client that trusts only the new CA.
 */
import { spawn } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { get } from "node:https";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { guardProcess, makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { childEnv, IMGVERIFY_BIN, runImgverify } from "../../support/cli.ts";
import { run } from "../../support/exec.ts";

const dir = makeTempDir("certs");
afterAll(() => removeTempDir(dir));
const out = join(dir, "tls");
const READY_TIMEOUT_MS = 30_000;

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
    const docs = parseAllDocuments(made.stdout).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual([
      "ValidatingWebhookConfiguration",
      "MutatingWebhookConfiguration",
    ]);
    for (const doc of docs) {
      const rules = doc.webhooks[0].rules as {
        apiGroups: string[];
        resources: string[];
        operations: string[];
      }[];
      const covered = rules.flatMap((r) =>
        r.apiGroups.flatMap((g) => r.resources.map((x) => `${g}/${x}`)),
      );
      expect(covered.sort()).toEqual(
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
        ].sort(),
      );
      for (const rule of rules) {
        expect(rule.operations).toEqual(["CREATE", "UPDATE"]);
      }
    }
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
