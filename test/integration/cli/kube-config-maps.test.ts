/**
 * The in-cluster ConfigMap source against a Kubernetes API stand-in: no
 * cluster exists on the machines these tests run on, so a loopback HTTPS
 * server (node:https, certificate made by openssl in a temp dir) answers the
 * one call the source makes, GET /api/v1/namespaces/NS/configmaps/NAME, and
 * checks the bearer token the way the API server would.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/deps.ts";
import { isImgverifyError } from "../../../src/errors.ts";
import type { ConfigMapSource } from "../../../src/policy/index.ts";
import { inClusterConfigMaps } from "../../../src/runtime/in-cluster.ts";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { run } from "../../support/exec.ts";

const TOKEN = "sa-token-for-tests";
const dir = makeTempDir("kube");
let server: Server;
let port = 0;
const seen: { path: string; authorization: string | undefined }[] = [];

/** A self-signed certificate for 127.0.0.1, standing in for the cluster CA and the API server's certificate. */
async function selfSigned(name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    `/CN=${name}`,
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ]);
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

/** A service account mount: token, CA and namespace files in a directory of its own. */
function serviceAccount(name: string, token: string, ca: string): string {
  const path = makeTempDir(`kube-sa-${name}`);
  writeFileSync(join(path, "token"), `${token}\n`);
  writeFileSync(join(path, "ca.crt"), ca);
  writeFileSync(join(path, "namespace"), "imgverify");
  return path;
}

function answer(status: number, body: unknown) {
  return { status, body: JSON.stringify(body) };
}

function route(path: string, authorization: string | undefined) {
  if (authorization !== `Bearer ${TOKEN}`)
    return answer(401, { kind: "Status", message: "Unauthorized" });
  if (path === "/api/v1/namespaces/sec/configmaps/keys") {
    return answer(200, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "keys", namespace: "sec", resourceVersion: "12" },
      data: { allowed: "ci@example.com" },
    });
  }
  if (path.startsWith("/api/v1/namespaces/locked/")) {
    return answer(403, {
      kind: "Status",
      message:
        'configmaps "keys" is forbidden: User "system:serviceaccount:imgverify:imgverify" cannot get resource "configmaps" in the namespace "locked"',
    });
  }
  return answer(404, { kind: "Status", reason: "NotFound" });
}

let ca = "";
beforeAll(async () => {
  const tls = await selfSigned("kube-api");
  ca = tls.cert;
  server = createServer(tls, (req, res) => {
    seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
    const { status, body } = route(req.url ?? "", req.headers.authorization);
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  removeTempDir(dir);
});

function source(serviceAccountDir: string, env?: Record<string, string>): Promise<ConfigMapSource> {
  return inClusterConfigMaps({
    env: env ?? { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: String(port) },
    serviceAccountDir,
    timeoutMs: 5000,
    ttlMs: 30_000,
    logger: silentLogger,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isImgverifyError(err)
    ? `${err.code}: ${err.message}`
    : `not an ImgverifyError: ${String(err)}`;
}

describe("in-cluster ConfigMaps over HTTPS", () => {
  it("reads a ConfigMap with the service account's token, trusting only its CA", async () => {
    const configMaps = await source(serviceAccount("good", TOKEN, ca));
    const cm = await configMaps.get("sec", "keys");
    expect(cm).toMatchObject({
      name: "keys",
      namespace: "sec",
      data: { allowed: "ci@example.com" },
    });
    expect(seen.at(-1)).toEqual({
      path: "/api/v1/namespaces/sec/configmaps/keys",
      authorization: `Bearer ${TOKEN}`,
    });
    expect(await configMaps.get("sec", "missing")).toBeUndefined();
    expect(await codeOf(configMaps.get("locked", "keys"))).toMatch(
      /^KUBE_FORBIDDEN: .*grant it "get" on "configmaps" in namespace "locked"/,
    );
  });

  it("says the token was refused, and refuses an API server its CA did not sign", async () => {
    const wrongToken = await source(serviceAccount("stale", "expired-token", ca));
    expect(await codeOf(wrongToken.get("sec", "keys"))).toMatch(/^KUBE_UNAUTHORIZED: /);
    const other = await selfSigned("other-ca");
    const wrongCa = await source(serviceAccount("other", TOKEN, other.cert));
    expect(await codeOf(wrongCa.get("sec", "keys"))).toMatch(/^KUBE_UNREACHABLE: .*127\.0\.0\.1/);
  });

  it("fails with KUBE_NOT_IN_CLUSTER outside a pod", async () => {
    expect(await codeOf(source(serviceAccount("none", TOKEN, ca), {}))).toMatch(
      /^KUBE_NOT_IN_CLUSTER: KUBERNETES_SERVICE_HOST is not set/,
    );
    const env = { KUBERNETES_SERVICE_HOST: "127.0.0.1" };
    expect(await codeOf(source(join(dir, "no-such-dir"), env))).toMatch(
      /^KUBE_NOT_IN_CLUSTER: cannot read the service account file .*no such file/,
    );
  });
});
