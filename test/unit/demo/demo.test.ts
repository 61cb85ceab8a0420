import { describe, expect, it } from "vitest";
import admit from "../../../examples/admit.json" with { type: "json" };
import deny from "../../../examples/deny.json" with { type: "json" };
import { createDemo, DEMO_HOST, SIGNED_IMAGE } from "../../../src/demo/index.ts";
import { silentLogger, systemClock } from "../../../src/deps.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import { createApp } from "../../../src/http/app.ts";

// Imported, not read from disk, so the test runs in workerd too.
const examples: Record<string, unknown> = { "admit.json": admit, "deny.json": deny };
const example = (name: string): string => JSON.stringify(examples[name]);
const realHosts: string[] = [];

async function demoApp() {
  const fetch = async (req: Request): Promise<Response> => {
    realHosts.push(new URL(req.url).host);
    throw new TypeError("no network in unit tests");
  };
  const deps = { fetch, clock: systemClock, logger: silentLogger, sha256: nobleSha256 };
  const demo = await createDemo(deps);
  // serve gives the demo a bearer token; its check is tested in test/unit/app.
  const app = createApp({ ...deps, engine: demo.engine, auth: { mode: "unauthenticated" } });
  return { demo, app };
}

const post = (app: ReturnType<typeof createApp>, path: string, body: string) =>
  app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body });

describe("the demo serve starts without --policy", () => {
  it("admits the signed example Pod on /mutate with a patch pinning the digest", async () => {
    const { app } = await demoApp();
    const res = await post(app, "/mutate", example("admit.json"));
    const { response } = await res.json();
    expect(response).toMatchObject({ allowed: true, patchType: "JSONPatch" });
    const patch = JSON.parse(atob(response.patch));
    expect(patch).toContainEqual({
      op: "replace",
      path: "/spec/containers/0/image",
      value: expect.stringMatching(new RegExp(`^${SIGNED_IMAGE}@sha256:[0-9a-f]{64}$`)),
    });
  });

  it("denies the unsigned example Pod with Kyverno's message", async () => {
    const { app } = await demoApp();
    const res = await post(app, "/mutate", example("deny.json"));
    const { response } = await res.json();
    expect(response.allowed).toBe(false);
    expect(response.status.code).toBe(403);
    expect(response.status.message).toContain(
      "resource Pod/default/unsigned-demo was blocked due to the following policies",
    );
    expect(response.status.message).toContain("demo-verify-images:");
    expect(response.status.message).toContain(`failed to verify image ${DEMO_HOST}/unsigned:v1`);
  });

  it("serves the demo host in-process and hands every other host to the real fetch", async () => {
    const { demo } = await demoApp();
    const res = await demo.fetch(new Request(`https://${DEMO_HOST}/v2/signed/manifests/v1`));
    expect(res.headers.get("docker-content-digest")).toMatch(/^sha256:[0-9a-f]{64}$/);
    await expect(demo.fetch(new Request("https://registry.example.test/v2/"))).rejects.toThrow(
      "no network",
    );
    expect(realHosts).toContain("registry.example.test");
    expect(realHosts).not.toContain(DEMO_HOST);
  });
});
