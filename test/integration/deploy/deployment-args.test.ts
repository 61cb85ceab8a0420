/**
 * The container of deploy/deployment.yaml, started as its pod would start it:
 * the same `serve` arguments, with the volumes it mounts laid out in a
 * temporary folder (the policies ConfigMap's keys as files, a kubernetes.io/tls
 * Secret's tls.crt and tls.key from `imgverify certs`, the auth Secret's token).
 * Only `--config-maps=kube` and `--secrets=kube` are left out: they need a
 * pod's service account.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { afterAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { IMGVERIFY_BIN, runImgverify, startServer } from "../../support/cli.ts";
import { podReviewBody } from "../../support/pod-review.ts";

const dir = makeTempDir("deploy");
afterAll(() => removeTempDir(dir));

const deploy = (file: string): string =>
  readFileSync(new URL(`../../../deploy/${file}`, import.meta.url), "utf8");
const pod = parse(deploy("deployment.yaml")).spec.template.spec;
const [container] = pod.containers;
const policies = parse(deploy("policies.yaml")).data as Record<string, string>;

/** Each volume's mount path, and the folder standing in for it here. */
const mounts: [string, string][] = container.volumeMounts.map(
  (m: { name: string; mountPath: string }) => [m.mountPath, join(dir, m.name)],
);
const local = (path: string): string => {
  for (const [mountPath, folder] of mounts) {
    if (path.startsWith(`${mountPath}/`)) return folder + path.slice(mountPath.length);
    if (path === mountPath) return folder;
  }
  return path;
};

describe("deploy/deployment.yaml's container", () => {
  const registry = inject("registries").anonymous;
  const unsigned = inject("seededImages").anonymous.ociImage;

  it("serves HTTPS with the mounted certificate, answers its probes, and admits only with the token", async () => {
    for (const [, folder] of mounts) mkdirSync(folder, { recursive: true });
    for (const [name, text] of Object.entries(policies))
      writeFileSync(join(local("/policies"), name), text);
    const tlsDir = local("/tls");
    const made = await runImgverify(["certs", "--out", tlsDir, "--force", "--ip", "127.0.0.1"], {
      dockerConfigDir: dir,
    });
    expect(made.code, made.stderr).toBe(0);
    const token = randomBytes(24).toString("hex");
    const args: string[] = container.args
      .filter((arg: string) => !arg.startsWith("--config-maps") && !arg.startsWith("--secrets"))
      .map((arg: string) => {
        if (arg.startsWith("--host=")) return "--host=127.0.0.1";
        if (arg.startsWith("--port=")) return "--port=0";
        const [flag, value] = arg.split("=");
        return value?.startsWith("/") ? `${flag}=${local(value)}` : arg;
      });
    writeFileSync(local("/var/run/imgverify/token"), `${token}\n`);
    const server = startServer(
      process.execPath,
      [IMGVERIFY_BIN, ...args, "--insecure-registry", registry.host],
      { DOCKER_CONFIG: join(dir, "none") },
      dir,
    );
    const dispatcher = new Agent({ connect: { ca: readFileSync(join(tlsDir, "ca.crt"), "utf8") } });
    try {
      const url = await server.url;
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        expect(probe.httpGet.scheme).toBe("HTTPS");
        const res = await fetch(`${url}${probe.httpGet.path}`, { dispatcher });
        expect(res.status, server.stderr()).toBe(200);
      }
      const admit = (authorization?: string) =>
        fetch(`${url}/validate`, {
          method: "POST",
          dispatcher,
          headers: {
            "content-type": "application/json",
            ...(authorization && { authorization }),
          },
          body: podReviewBody("d", `${unsigned.reference}@${unsigned.digest}`, "deploy"),
        });
      expect((await admit()).status).toBe(401);
      expect((await admit("Bearer wrong")).status).toBe(401);
      const answered = await admit(`Bearer ${token}`);
      expect(answered.status).toBe(200);
      // The example policy covers registry.example.com only: an image elsewhere is allowed.
      const review = (await answered.json()) as { response: { uid: string; allowed: boolean } };
      expect(review.response).toMatchObject({ uid: "d", allowed: true });
    } finally {
      await dispatcher.close();
      await server.guarded.stop();
    }
  }, 60_000);
});
