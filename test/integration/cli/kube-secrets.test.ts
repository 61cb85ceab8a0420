/**
 * The in-cluster Secret source against the Kubernetes API stand-in
 * (test/support/kube-api.ts): GET /api/v1/namespaces/NS/secrets/NAME over
 * HTTPS with the service account's token, the answer's `data` kept base64,
 * reused for the TTL, and every answer that cannot be used refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/deps.ts";
import { secretText } from "../../../src/policy/kyverno/secrets.ts";
import { inClusterSecrets } from "../../../src/runtime/in-cluster.ts";
import { MAX_OBJECT_RESPONSE_BYTES } from "../../../src/runtime/kube-objects.ts";
import * as kube from "../../support/kube-api.ts";

const PEM =
  "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";
const PEM_BASE64 = Buffer.from(PEM).toString("base64");
const PATH = "/api/v1/namespaces/sec/secrets/";

const secret = (name: string, data: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Secret",
  type: "Opaque",
  metadata: { name, namespace: "sec", resourceVersion: "3" },
  data,
});

const { kubeFailure, kubeJson } = kube;
const ANSWERS: Record<string, () => kube.KubeAnswer> = {
  [`${PATH}cosign-keys`]: () => kubeJson(200, secret("cosign-keys", { "cosign.pub": PEM_BASE64 })),
  [`${PATH}huge`]: () =>
    kubeJson(200, secret("huge", { blob: "A".repeat(MAX_OBJECT_RESPONSE_BYTES + 4) })),
  [`${PATH}not-a-secret`]: () =>
    kubeJson(200, { ...secret("not-a-secret", {}), kind: "ConfigMap" }),
  [`${PATH}bad-base64`]: () => kubeJson(200, secret("bad-base64", { "cosign.pub": "not base64!" })),
};

let api: kube.KubeApiStandIn;

beforeAll(async () => {
  api = await kube.startKubeApi({
    paths: ANSWERS,
    forbidden: { namespace: "locked", resource: "secrets" },
  });
});
afterAll(() => api?.close());

function secrets(token = kube.KUBE_TOKEN, namespace = "imgverify-system") {
  return inClusterSecrets({
    env: api.env,
    serviceAccountDir: api.serviceAccount(token, api.ca, namespace),
    timeoutMs: 5000,
    ttlMs: 30_000,
    logger: silentLogger,
  });
}

/** How many requests the stand-in saw for `path`. */
const callsTo = (path: string) => api.seen.filter((r) => r.path === path).length;

describe("in-cluster Secrets over HTTPS", () => {
  it("reads a Secret with the service account's token, its data still base64, and tells the account's namespace", async () => {
    const { source, namespace } = await secrets();
    expect(namespace).toBe("imgverify-system");
    const found = await source.get("sec", "cosign-keys");
    expect(found).toEqual({
      name: "cosign-keys",
      namespace: "sec",
      data: { "cosign.pub": PEM_BASE64 },
    });
    expect(api.seen.at(-1)).toEqual({
      path: `${PATH}cosign-keys`,
      authorization: `Bearer ${kube.KUBE_TOKEN}`,
    });
    if (found === undefined) throw new Error("no Secret");
    expect(secretText(found, "cosign.pub", "test")).toBe(PEM);
  });

  it("reuses a Secret within the TTL without asking the API again", async () => {
    const { source } = await secrets();
    const before = callsTo(`${PATH}cosign-keys`);
    const first = await source.get("sec", "cosign-keys");
    expect(callsTo(`${PATH}cosign-keys`)).toBe(before + 1);
    expect(await source.get("sec", "cosign-keys")).toBe(first);
    expect(callsTo(`${PATH}cosign-keys`)).toBe(before + 1);
  });

  it("answers undefined for a Secret that does not exist", async () => {
    const { source } = await secrets();
    expect(await source.get("sec", "missing")).toBeUndefined();
    expect(api.seen.at(-1)?.path).toBe(`${PATH}missing`);
  });

  it("names the RBAC a refusal needs: get on secrets in that namespace", async () => {
    const { source } = await secrets();
    const message = await kubeFailure(source.get("locked", "cosign-keys"));
    expect(message).toMatch(
      /^KUBE_FORBIDDEN: reading Secret locked\/cosign-keys is forbidden .*grant it "get" on "secrets" in namespace "locked"/,
    );
  });

  it("says the token was refused", async () => {
    const { source } = await secrets("expired-token");
    expect(await kubeFailure(source.get("sec", "cosign-keys"))).toMatch(
      /^KUBE_UNAUTHORIZED: reading Secret sec\/cosign-keys: the Kubernetes API refused the service account token \(401\)/,
    );
  });

  it("refuses an answer over the size bound, one that is not a Secret, and data that is not base64", async () => {
    const { source } = await secrets();
    expect(await kubeFailure(source.get("sec", "huge"))).toMatch(
      new RegExp(`^KUBE_RESPONSE_TOO_LARGE: .*more than ${MAX_OBJECT_RESPONSE_BYTES} bytes`),
    );
    expect(await kubeFailure(source.get("sec", "not-a-secret"))).toBe(
      "KUBE_RESPONSE_INVALID: reading Secret sec/not-a-secret: the Kubernetes API answered a body that is not a usable Secret: not a Secret",
    );
    expect(await kubeFailure(source.get("sec", "bad-base64"))).toBe(
      "KUBE_RESPONSE_INVALID: reading Secret sec/bad-base64: the Kubernetes API answered a body that is not a usable Secret: data.cosign.pub: must be base64",
    );
    // Failures are not kept: each lookup asks again.
    await kubeFailure(source.get("sec", "bad-base64"));
    expect(callsTo(`${PATH}bad-base64`)).toBe(2);
  });
});
