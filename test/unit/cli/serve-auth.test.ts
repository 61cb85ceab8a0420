/**
 * `serve` fails closed on caller authentication: with policies it does not
 * start until a token, a client CA or an explicit --allow-unauthenticated is
 * given, and /verify exists only when enabled.
 */
import { describe, expect, it } from "vitest";
import type { FetchHandler } from "../../../src/cli/io.ts";
import { runCli } from "../../../src/cli/main.ts";
import {
  EMPTY_ROOT,
  freshKey,
  image,
  keyEntry,
  policyDoc,
  pushSigned,
  REFS,
  world,
} from "../engine/core/world.ts";
import { harness } from "./serve-harness.ts";

const TOKEN = "serve-auth-token-0123456789abcdef";
const SERVE = ["serve", "--policy", "policies", "--trusted-root", "root.json", "--port", "0"];

async function policyFiles() {
  const w = world();
  const key = await freshKey();
  await pushSigned(w.registry, "app", "v1", [key]);
  const policy = policyDoc({
    name: "sigs",
    entries: [{ imageReferences: REFS, attestors: [{ entries: [keyEntry(key)] }] }],
  });
  const files: Record<string, string> = {
    "policies/sigs.json": JSON.stringify(policy),
    "root.json": JSON.stringify(EMPTY_ROOT),
  };
  return { w, files, key };
}

const call = (handler: FetchHandler, path: string, body: unknown, token?: string) =>
  handler(
    new Request(`http://127.0.0.1:40123${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token !== undefined && { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    }),
  );

describe("serve caller authentication", () => {
  it("refuses to start with policies and no token, client CA or --allow-unauthenticated", async () => {
    const { w, files } = await policyFiles();
    const h = harness({}, files, false, { fetch: () => w.net.fetch });
    expect(await runCli(SERVE, h.io)).toBe(2);
    expect(h.io.err).toContain("serve does not start without caller authentication");
    expect(h.io.err).toContain("--allow-unauthenticated");
    expect(h.io.out).toBe("");
  });

  it("serves anyone with --allow-unauthenticated (or its variable), with a warning", async () => {
    for (const [env, args] of [
      [{}, ["--allow-unauthenticated"]],
      [{ IMGVERIFY_ALLOW_UNAUTHENTICATED: "on" }, []],
    ] as const) {
      const { w, files } = await policyFiles();
      const h = harness(env, files, false, { fetch: () => w.net.fetch });
      const exit = runCli([...SERVE, ...args], h.io);
      const { handler } = await h.started;
      expect((await call(handler, "/validate", {})).status).toBe(400);
      h.stop("SIGINT");
      expect(await exit).toBe(0);
      expect(h.io.err).toMatch(/"level":"warn","message":"caller authentication is off/);
    }
  });

  it("takes the token from a file, read again when it changes", async () => {
    const { w, files } = await policyFiles();
    files["token"] = `${TOKEN}\n`;
    const h = harness({}, files, false, { fetch: () => w.net.fetch });
    const exit = runCli([...SERVE, "--auth-token-file", "token"], h.io);
    const { handler } = await h.started;
    expect((await call(handler, "/validate", {})).status).toBe(401);
    expect((await call(handler, "/validate", {}, TOKEN)).status).toBe(400);
    h.stop("SIGINT");
    expect(await exit).toBe(0);
  });

  it.each([
    [{}, ["--auth-token-file", "missing"], 'cannot read the auth token file "missing"'],
    [{ IMGVERIFY_AUTH_TOKEN: "short" }, [], "IMGVERIFY_AUTH_TOKEN is 5 characters long"],
    [{ IMGVERIFY_AUTH_TOKEN: TOKEN }, ["--auth-token-file", "token"], "not both"],
    [{ IMGVERIFY_AUTH_TOKEN: TOKEN }, ["--allow-unauthenticated"], "contradicts"],
    [{}, ["--client-ca", "ca.pem"], "--client-ca (IMGVERIFY_CLIENT_CA) needs --tls-cert"],
    [
      { IMGVERIFY_ALLOW_UNAUTHENTICATED: "maybe" },
      [],
      'IMGVERIFY_ALLOW_UNAUTHENTICATED="maybe" is not on or off',
    ],
    [{ IMGVERIFY_AUTH_TOKEN: TOKEN }, ["--verify-api-any-image"], "needs --verify-api"],
    [
      { IMGVERIFY_AUTH_TOKEN: TOKEN, IMGVERIFY_VERIFY_API_INLINE_POLICY: "on" },
      [],
      "needs --verify-api",
    ],
  ])("refuses %j %j before listening", async (env, args, message) => {
    const { w, files } = await policyFiles();
    files["token"] = TOKEN;
    const h = harness(env, files, false, { fetch: () => w.net.fetch });
    expect(await runCli([...SERVE, ...args], h.io)).toBe(2);
    expect(h.io.err).toContain(message);
  });

  it("with --client-ca, hands the CA to the listener and trusts its handshake", async () => {
    const { w, files } = await policyFiles();
    Object.assign(files, {
      "tls.crt": "CERT PEM",
      "tls.key": "KEY PEM",
      "ca.pem": "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
    });
    const h = harness({}, files, false, { fetch: () => w.net.fetch });
    const tls = ["--tls-cert", "tls.crt", "--tls-key", "tls.key", "--client-ca", "ca.pem"];
    const exit = runCli([...SERVE, ...tls], h.io);
    const { handler, options } = await h.started;
    expect(options.tls).toEqual({ cert: "CERT PEM", key: "KEY PEM", clientCa: files["ca.pem"] });
    expect((await call(handler, "/validate", {})).status).toBe(400);
    h.stop("SIGINT");
    expect(await exit).toBe(0);
  });
});

describe("serve /verify settings", () => {
  it("has no /verify by default", async () => {
    const { w, files } = await policyFiles();
    const h = harness({ IMGVERIFY_AUTH_TOKEN: TOKEN }, files, false, { fetch: () => w.net.fetch });
    const exit = runCli(SERVE, h.io);
    const { handler } = await h.started;
    const res = await call(handler, "/verify", { images: [image("app")], policy: "sigs" }, TOKEN);
    expect(res.status).toBe(404);
    h.stop("SIGINT");
    expect(await exit).toBe(0);
  });

  it("serves /verify with --verify-api, behind the token, for images the policies verify", async () => {
    const { w, files, key } = await policyFiles();
    const h = harness({ IMGVERIFY_AUTH_TOKEN: TOKEN }, files, false, { fetch: () => w.net.fetch });
    const exit = runCli([...SERVE, "--verify-api"], h.io);
    const { handler } = await h.started;
    const asked = { images: [image("app")], policy: "sigs" };
    expect((await call(handler, "/verify", asked)).status).toBe(401);
    const res = await call(handler, "/verify", asked, TOKEN);
    expect(res.status).toBe(200);
    expect((await res.json()).results[0]).toMatchObject({ verified: true });
    const other = { images: ["ghcr.io/x/y:1"], policy: "sigs" };
    expect((await call(handler, "/verify", other, TOKEN)).status).toBe(403);
    const inline = { images: [image("app")], attestors: [{ entries: [keyEntry(key)] }] };
    expect((await call(handler, "/verify", inline, TOKEN)).status).toBe(403);
    h.stop("SIGINT");
    expect(await exit).toBe(0);
  });

  it("lets /verify take any image and inline entries when both are enabled", async () => {
    const { w, files, key } = await policyFiles();
    const env = {
      IMGVERIFY_AUTH_TOKEN: TOKEN,
      IMGVERIFY_VERIFY_API: "on",
      IMGVERIFY_VERIFY_API_ANY_IMAGE: "true",
    };
    const h = harness(env, files, false, { fetch: () => w.net.fetch });
    const exit = runCli([...SERVE, "--verify-api-inline-policy"], h.io);
    const { handler } = await h.started;
    const inline = { images: [image("app")], attestors: [{ entries: [keyEntry(key)] }] };
    const res = await call(handler, "/verify", inline, TOKEN);
    expect(res.status).toBe(200);
    expect((await res.json()).results[0]).toMatchObject({ verified: true });
    const other = { images: ["ghcr.io/x/y:1"], policy: "sigs" };
    expect((await call(handler, "/verify", other, TOKEN)).status).not.toBe(403);
    h.stop("SIGINT");
    expect(await exit).toBe(0);
  });
});
