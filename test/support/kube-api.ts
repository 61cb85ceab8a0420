/**
 * A Kubernetes API stand-in for the in-cluster sources: no cluster exists on
 * the machines these tests run on, so a loopback HTTPS server (node:https,
 * certificate made by openssl in a temp dir) answers GETs as the test
 * says, checking the bearer token the way the API server would.
 * Also the service account mount a pod would have, and the error a call
 * failed with, as "CODE: message".
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { isImgverifyError } from "../../src/errors.ts";
import { makeTempDir, removeTempDir } from "./cleanup.ts";
import { run } from "./exec.ts";

/** The token the stand-in accepts; any other is answered 401. */
export const KUBE_TOKEN = "sa-token-for-tests";

export interface KubeAnswer {
  status: number;
  /** Sent as is. */
  body: string;
}

export interface KubeApiAnswers {
  /** The answer to a GET of each path; any other path is 404 NotFound. */
  readonly paths: Readonly<Record<string, () => KubeAnswer>>;
  /** A namespace where every "get" of `resource` is refused (403), as RBAC would. */
  readonly forbidden?: { readonly namespace: string; readonly resource: string };
}

export interface KubeApiStandIn {
  /** PEM of the certificate the stand-in serves, standing in for the cluster CA. */
  readonly ca: string;
  /** KUBERNETES_SERVICE_HOST and _PORT of the stand-in. */
  readonly env: Record<string, string>;
  /** Every request received, in order. */
  readonly seen: { path: string; authorization: string | undefined }[];
  /** A self-signed certificate for 127.0.0.1 named `name`. */
  selfSigned(name: string): Promise<{ cert: string; key: string }>;
  /** A service account mount (token, CA, namespace files) in a directory of its own. */
  serviceAccount(token: string, ca: string, namespace?: string): string;
  /** A directory that does not exist. */
  readonly missingDir: string;
  close(): Promise<void>;
}

export function kubeJson(status: number, body: unknown): KubeAnswer {
  return { status, body: JSON.stringify(body) };
}

const NOT_FOUND = kubeJson(404, { kind: "Status", reason: "NotFound" });

/** The API server's answer to a GET of `path`. */
function answer({ paths, forbidden }: KubeApiAnswers, path: string): KubeAnswer {
  if (forbidden && path.startsWith(`/api/v1/namespaces/${forbidden.namespace}/`)) {
    const { namespace, resource } = forbidden;
    return kubeJson(403, {
      kind: "Status",
      message: `${resource} "${path.split("/").at(-1)}" is forbidden: User "system:serviceaccount:imgverify:imgverify" cannot get resource "${resource}" in the namespace "${namespace}"`,
    });
  }
  const found = Object.hasOwn(paths, path) ? paths[path] : undefined;
  return found?.() ?? NOT_FOUND;
}

export async function startKubeApi(answers: KubeApiAnswers): Promise<KubeApiStandIn> {
  const dir = makeTempDir("kube");
  const accounts: string[] = [];
  const selfSigned = async (name: string): Promise<{ cert: string; key: string }> => {
    const cert = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    const newKey = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1";
    await run("openssl", [
      ...newKey.split(" "),
      ...["-keyout", key, "-out", cert, "-subj", `/CN=${name}`],
      ...["-addext", "subjectAltName=IP:127.0.0.1"],
    ]);
    return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
  };
  const tls = await selfSigned("kube-api");
  const seen: KubeApiStandIn["seen"] = [];
  const server: Server = createServer(tls, (req, res) => {
    const path = req.url ?? "";
    seen.push({ path, authorization: req.headers.authorization });
    const { status, body } =
      req.headers.authorization === `Bearer ${KUBE_TOKEN}`
        ? answer(answers, path)
        : kubeJson(401, { kind: "Status", message: "Unauthorized" });
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    ca: tls.cert,
    env: { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: String(port) },
    seen,
    selfSigned,
    serviceAccount(token, ca, namespace = "imgverify") {
      const path = makeTempDir("kube-sa");
      accounts.push(path);
      writeFileSync(join(path, "token"), `${token}\n`);
      writeFileSync(join(path, "ca.crt"), ca);
      writeFileSync(join(path, "namespace"), `${namespace}\n`);
      return path;
    },
    missingDir: join(dir, "no-such-dir"),
    async close() {
      await new Promise((resolve) => server.close(resolve));
      for (const path of [dir, ...accounts]) removeTempDir(path);
    },
  };
}

/** "CODE: message" of the ImgverifyError `promise` rejects with. */
export async function kubeFailure(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isImgverifyError(err)
    ? `${err.code}: ${err.message}`
    : `not an ImgverifyError: ${String(err)}`;
}
