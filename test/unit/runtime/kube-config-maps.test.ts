import { describe, expect, it } from "vitest";
import type { Fetch } from "../../../src/deps.ts";
import { isImgverifyError } from "../../../src/errors.ts";
import { KubeConfigMapSource } from "../../../src/runtime/kube-config-maps.ts";
import { MAX_OBJECT_RESPONSE_BYTES } from "../../../src/runtime/kube-objects.ts";
import { FakeClock } from "../oci/fake-clock.ts";

const API = "https://10.0.0.1:6443";
const configMap = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "keys", namespace: "sec", resourceVersion: "7", uid: "u-1" },
  data: { pub: "-----BEGIN PUBLIC KEY-----" },
};

type Answer = () => Response | Promise<Response>;

/** A source over a fetch answering `answer`, recording each request. */
function sourceWith(answer: Answer, ttlMs = 30_000) {
  const clock = new FakeClock();
  const requests: Request[] = [];
  let token = "token-1";
  const fetch: Fetch = async (request) => {
    requests.push(request);
    return answer();
  };
  const source = new KubeConfigMapSource({
    apiUrl: API,
    fetch,
    token: async () => token,
    clock,
    timeoutMs: 1000,
    ttlMs,
  });
  return { source, requests, clock, rotate: (next: string) => (token = next) };
}

const json = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isImgverifyError(err)) throw new Error(`expected an ImgverifyError, got ${String(err)}`);
  return { code: err.code, message: err.message };
}

describe("KubeConfigMapSource", () => {
  it("GETs the ConfigMap with the bearer token and reads its data and metadata", async () => {
    const { source, requests } = sourceWith(json(200, configMap));
    const cm = await source.get("sec", "keys");
    expect(cm).toMatchObject({ name: "keys", namespace: "sec", data: configMap.data });
    expect(cm?.metadata).toMatchObject({ resourceVersion: "7" });
    expect(requests.map((r) => r.url)).toEqual([`${API}/api/v1/namespaces/sec/configmaps/keys`]);
    expect(requests[0]?.headers.get("authorization")).toBe("Bearer token-1");
    expect(requests[0]?.signal.aborted).toBe(false);
  });

  it("reuses an answer for the TTL, shares concurrent lookups, then asks again with the current token", async () => {
    const { source, requests, clock, rotate } = sourceWith(json(200, configMap), 30_000);
    await Promise.all([source.get("sec", "keys"), source.get("sec", "keys")]);
    await source.get("sec", "keys");
    expect(requests).toHaveLength(1);
    await clock.advance(30_000);
    rotate("token-2");
    await source.get("sec", "keys");
    expect(requests).toHaveLength(2);
    expect(requests[1]?.headers.get("authorization")).toBe("Bearer token-2");
  });

  it("answers undefined for a ConfigMap that does not exist or cannot exist, without caching it", async () => {
    const { source, requests } = sourceWith(json(404, { kind: "Status", reason: "NotFound" }));
    expect(await source.get("sec", "gone")).toBeUndefined();
    expect(await source.get("sec", "gone")).toBeUndefined();
    expect(requests).toHaveLength(2);
    expect(await source.get("sec", "../../secrets/x")).toBeUndefined();
    expect(await source.get("Bad_NS", "keys")).toBeUndefined();
    expect(requests).toHaveLength(2);
  });

  it("names the RBAC a 403 needs, and never caches a failure", async () => {
    let status = 403;
    const status403 = {
      kind: "Status",
      message:
        'configmaps "keys" is forbidden: User "system:serviceaccount:imgverify:imgverify" cannot get resource',
    };
    const { source, requests } = sourceWith(() =>
      status === 403 ? json(403, status403)() : json(200, configMap)(),
    );
    const forbidden = await failure(source.get("sec", "keys"));
    expect(forbidden.code).toBe("KUBE_FORBIDDEN");
    expect(forbidden.message).toContain('grant it "get" on "configmaps" in namespace "sec"');
    expect(forbidden.message).toContain("system:serviceaccount:imgverify:imgverify");
    status = 200;
    expect(await source.get("sec", "keys")).toBeDefined();
    expect(requests).toHaveLength(2);
  });

  it.each([
    [401, "KUBE_UNAUTHORIZED", "refused the service account token"],
    [500, "KUBE_API_ERROR", "answered HTTP 500"],
    [429, "KUBE_API_ERROR", "answered HTTP 429"],
  ])("turns HTTP %i into %s", async (status, code, message) => {
    const { source } = sourceWith(json(status, { kind: "Status", message: "nope" }));
    expect(await failure(source.get("sec", "keys"))).toEqual({
      code,
      message: expect.stringContaining(message),
    });
  });

  it("refuses bodies that are not a ConfigMap, not JSON or over the size bound", async () => {
    const notCm = sourceWith(json(200, { ...configMap, kind: "Secret" }));
    expect((await failure(notCm.source.get("sec", "keys"))).code).toBe("KUBE_RESPONSE_INVALID");
    const badData = sourceWith(json(200, { ...configMap, data: { n: 7 } }));
    expect(await failure(badData.source.get("sec", "keys"))).toEqual({
      code: "KUBE_RESPONSE_INVALID",
      message: expect.stringContaining("data"),
    });
    const notJson = sourceWith(() => new Response("<html>", { status: 200 }));
    expect((await failure(notJson.source.get("sec", "keys"))).code).toBe("KUBE_RESPONSE_INVALID");
    const huge = sourceWith(() => new Response("x".repeat(MAX_OBJECT_RESPONSE_BYTES + 1)));
    expect((await failure(huge.source.get("sec", "keys"))).code).toBe("KUBE_RESPONSE_TOO_LARGE");
  });

  it("tells a timeout from a connection failure", async () => {
    const timeout = sourceWith(() => Promise.reject(new DOMException("slow", "TimeoutError")));
    expect(await failure(timeout.source.get("sec", "keys"))).toEqual({
      code: "KUBE_TIMEOUT",
      message: expect.stringContaining("did not answer within 1000 ms"),
    });
    const refused = sourceWith(() => Promise.reject(new TypeError("fetch failed")));
    expect(await failure(refused.source.get("sec", "keys"))).toEqual({
      code: "KUBE_UNREACHABLE",
      message: expect.stringContaining(`cannot reach the Kubernetes API at ${API}`),
    });
  });
});
