/**
 * The in-cluster ConfigMap source against the Kubernetes API stand-in
 * (test/support/kube-api.ts): the one call the source makes, GET
 * /api/v1/namespaces/NS/configmaps/NAME, over HTTPS with the service
 * account's token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/deps.ts";
import type { ConfigMapSource } from "../../../src/policy/index.ts";
import { inClusterConfigMaps } from "../../../src/runtime/in-cluster.ts";
import * as kube from "../../support/kube-api.ts";

const KEYS = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "keys", namespace: "sec", resourceVersion: "12" },
  data: { allowed: "ci@example.com" },
};
let api: kube.KubeApiStandIn;

beforeAll(async () => {
  api = await kube.startKubeApi({
    paths: { "/api/v1/namespaces/sec/configmaps/keys": () => kube.kubeJson(200, KEYS) },
    forbidden: { namespace: "locked", resource: "configmaps" },
  });
});
afterAll(() => api?.close());

function source(serviceAccountDir: string, env = api.env): Promise<ConfigMapSource> {
  return inClusterConfigMaps({
    env,
    serviceAccountDir,
    timeoutMs: 5000,
    ttlMs: 30_000,
    logger: silentLogger,
  });
}

describe("in-cluster ConfigMaps over HTTPS", () => {
  it("reads a ConfigMap with the service account's token, trusting only its CA", async () => {
    const configMaps = await source(api.serviceAccount(kube.KUBE_TOKEN, api.ca));
    const cm = await configMaps.get("sec", "keys");
    expect(cm).toMatchObject({
      name: "keys",
      namespace: "sec",
      data: { allowed: "ci@example.com" },
    });
    expect(api.seen.at(-1)).toEqual({
      path: "/api/v1/namespaces/sec/configmaps/keys",
      authorization: `Bearer ${kube.KUBE_TOKEN}`,
    });
    expect(await configMaps.get("sec", "missing")).toBeUndefined();
    expect(await kube.kubeFailure(configMaps.get("locked", "keys"))).toMatch(
      /^KUBE_FORBIDDEN: .*grant it "get" on "configmaps" in namespace "locked"/,
    );
  });

  it("says the token was refused, and refuses an API server its CA did not sign", async () => {
    const wrongToken = await source(api.serviceAccount("expired-token", api.ca));
    expect(await kube.kubeFailure(wrongToken.get("sec", "keys"))).toMatch(/^KUBE_UNAUTHORIZED: /);
    const other = await api.selfSigned("other-ca");
    const wrongCa = await source(api.serviceAccount(kube.KUBE_TOKEN, other.cert));
    expect(await kube.kubeFailure(wrongCa.get("sec", "keys"))).toMatch(
      /^KUBE_UNREACHABLE: .*127\.0\.0\.1/,
    );
  });

  it("fails with KUBE_NOT_IN_CLUSTER outside a pod", async () => {
    expect(await kube.kubeFailure(source(api.serviceAccount(kube.KUBE_TOKEN, api.ca), {}))).toMatch(
      /^KUBE_NOT_IN_CLUSTER: KUBERNETES_SERVICE_HOST is not set/,
    );
    const env = { KUBERNETES_SERVICE_HOST: "127.0.0.1" };
    expect(await kube.kubeFailure(source(api.missingDir, env))).toMatch(
      /^KUBE_NOT_IN_CLUSTER: cannot read the service account file .*no such file/,
    );
  });
});
