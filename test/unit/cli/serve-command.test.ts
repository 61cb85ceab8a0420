import { describe, expect, it } from "vitest";
import type { InClusterSourceOptions } from "../../../src/cli/io.ts";
import { runCli } from "../../../src/cli/main.ts";
import { StaticConfigMapSource } from "../../../src/policy/index.ts";
import {
  EMPTY_ROOT,
  freshKey,
  image,
  keyEntry,
  policyDoc,
  pushSigned,
  REFS,
  REVIEW_UID,
  reviewJson,
  world,
} from "../engine/core/world.ts";
import { fakeIo } from "./fake-io.ts";
import { serveAdmission } from "./serve-admission.ts";
import { harness } from "./serve-harness.ts";

const TOKEN = "serve-test-token-0123456789abcdef";

describe("imgverify serve", () => {
  it("listens on 127.0.0.1:8443 by default, prints a curl line, serves /healthz and stops on a signal", async () => {
    const h = harness();
    const exit = runCli(["serve"], h.io);
    const { handler, options } = await h.started;
    expect(options).toEqual({ host: "127.0.0.1", port: 8443 });
    const res = await handler(new Request("http://127.0.0.1:8443/healthz"));
    expect(await res.json()).toEqual({ status: "ok" });
    const ready = await handler(new Request("http://127.0.0.1:8443/readyz"));
    expect(await ready.json()).toEqual({ status: "ready", sha256: "noble" });

    h.stop("SIGTERM");
    expect(await exit).toBe(0);
    expect(h.closed).toEqual(["closed"]);
    const lines = h.io.out.split("\n");
    expect(lines.slice(0, 2)).toEqual([
      expect.stringMatching(/^imgverify \S+ listening on http:\/\/127\.0\.0\.1:8443$/),
      "Try: curl http://127.0.0.1:8443/healthz",
    ]);
    // Without --policy it is the demo: it says so, how to serve real policies, and what to curl.
    expect(h.io.out).toContain("DEMO: no --policy was given");
    expect(h.io.out).toContain("serve --policy DIR");
    // The demo makes up a token and puts it in its curl lines.
    const token = /-H 'Authorization: Bearer ([0-9a-f]{64})' /.exec(h.io.out)?.[1] ?? "";
    const post = `curl -s -X POST -H 'Content-Type: application/json' -H 'Authorization: Bearer ${token}' --data`;
    expect(lines).toContain(`${post} @examples/admit.json http://127.0.0.1:8443/mutate`);
    expect(lines).toContain(`${post} @examples/deny.json http://127.0.0.1:8443/mutate`);
    const mutate = (authorization?: string) =>
      handler(
        new Request("http://127.0.0.1:8443/mutate", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(authorization && { authorization }),
          },
          body: JSON.stringify(reviewJson([{ name: "c", image: "nginx:1" }])),
        }),
      );
    expect((await mutate()).status).toBe(401);
    expect((await mutate(`Bearer ${token}`)).status).toBe(200);
    const logs = h.io.err
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(logs.map((l) => [l.level, l.message])).toEqual([
      ["info", "demo mode: no --policy given"],
      ["info", "listening"],
      ["info", "shutting down"],
    ]);
    expect(logs[2].signal).toBe("SIGTERM");
  });

  it("takes the port from IMGVERIFY_PORT, and --port and --host over it", async () => {
    const fromEnv = harness({ IMGVERIFY_PORT: "9000" });
    const a = runCli(["serve"], fromEnv.io);
    expect((await fromEnv.started).options.port).toBe(9000);
    fromEnv.stop("SIGINT");
    expect(await a).toBe(0);

    const fromFlags = harness({ IMGVERIFY_PORT: "9000" });
    const b = runCli(["serve", "--port", "0", "--host", "::", "--json"], fromFlags.io);
    expect((await fromFlags.started).options).toEqual({ host: "::", port: 0 });
    fromFlags.stop("SIGINT");
    expect(await b).toBe(0);
    expect(JSON.parse(fromFlags.io.out)).toEqual({
      url: "http://[::1]:40123",
      healthz: "http://[::1]:40123/healthz",
      curl: "curl http://[::1]:40123/healthz",
      demo: {
        admit: expect.stringContaining("@examples/admit.json http://[::1]:40123/mutate"),
        deny: expect.stringContaining("@examples/deny.json http://[::1]:40123/mutate"),
      },
    });
  });

  it("serves HTTPS with a certificate and key read from files", async () => {
    const h = harness({}, { "tls.crt": "CERT PEM", "tls.key": "KEY PEM" });
    const exit = runCli(["serve", "--tls-cert", "tls.crt", "--tls-key", "tls.key"], h.io);
    expect((await h.started).options.tls).toEqual({ cert: "CERT PEM", key: "KEY PEM" });
    h.stop("SIGINT");
    expect(await exit).toBe(0);
    expect(h.io.out).toContain("Try: curl --cacert tls.crt https://127.0.0.1:8443/healthz\n");
  });

  it("quotes a certificate path the shell would split", async () => {
    const h = harness({}, { "my cert's.pem": "CERT", "k.pem": "KEY" });
    const exit = runCli(["serve", "--tls-cert", "my cert's.pem", "--tls-key", "k.pem"], h.io);
    await h.started;
    h.stop("SIGINT");
    expect(await exit).toBe(0);
    expect(h.io.out).toContain(`Try: curl --cacert 'my cert'\\''s.pem' https://`);
  });

  it("drops connections still open after --shutdown-grace, with a warning", async () => {
    const h = harness({}, {}, true);
    const exit = runCli(["serve", "--shutdown-grace", "50ms"], h.io);
    await h.started;
    h.stop("SIGTERM");
    expect(await exit).toBe(0);
    expect(h.closed).toEqual(["closed", "terminated"]);
    const last = JSON.parse(h.io.err.trim().split("\n").at(-1) ?? "");
    expect(last).toMatchObject({
      level: "warn",
      message: "dropped connections still open after the grace period",
      graceMs: 50,
    });
  });

  it.each([
    [["--shutdown-grace", "soon"], 'invalid duration "soon" for --shutdown-grace'],
    [["--port", "70000"], 'invalid port "70000" from --port ($IMGVERIFY_PORT): expected 0-65535'],
    [["--port", "80a"], 'invalid port "80a" from --port ($IMGVERIFY_PORT)'],
    [["--tls-cert", "c.pem"], "--tls-cert and --tls-key must be given together"],
    [["--log-level", "loud"], 'unknown --log-level "loud"'],
    [["extra"], "serve takes no arguments"],
  ])("refuses %j", async (args, message) => {
    const h = harness();
    expect(await runCli(["serve", ...args], h.io)).toBe(2);
    expect(h.io.err).toContain(message);
    expect(h.io.err).toContain("(see 'imgverify serve --help')");
  });

  it("refuses an invalid IMGVERIFY_PORT, naming the variable", async () => {
    const h = harness({ IMGVERIFY_PORT: "http" });
    expect(await runCli(["serve"], h.io)).toBe(2);
    expect(h.io.err).toContain('invalid port "http" from --port ($IMGVERIFY_PORT)');
  });

  it("reports an address it cannot bind as an environment error", async () => {
    const io = fakeIo(
      {},
      {
        listen: () => Promise.reject(new Error("listen EADDRINUSE: address already in use")),
      },
    );
    expect(await runCli(["serve", "--port", "8443", "--json"], io)).toBe(2);
    expect(JSON.parse(io.out)).toEqual({
      error: {
        code: "CLI_LISTEN",
        message: "cannot listen on 127.0.0.1:8443: listen EADDRINUSE: address already in use",
      },
    });
  });

  it("loads --policy before listening and answers /validate and /mutate through it", async () => {
    const w = world();
    const key = await freshKey();
    const digest = await pushSigned(w.registry, "app", "v1", [key]);
    const policy = policyDoc({
      name: "sigs",
      entries: [{ imageReferences: REFS, attestors: [{ entries: [keyEntry(key)] }] }],
    });
    const files = {
      "policies/sigs.json": JSON.stringify(policy),
      "root.json": JSON.stringify(EMPTY_ROOT),
    };
    const h = harness({ IMGVERIFY_AUTH_TOKEN: TOKEN }, files, false, { fetch: () => w.net.fetch });
    const exit = runCli(
      ["serve", "--policy", "policies", "--trusted-root", "root.json", "--port", "0"],
      h.io,
    );
    const { handler } = await h.started;
    const res = await handler(
      new Request("http://127.0.0.1:40123/mutate", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(reviewJson([{ name: "c", image: image("app") }])),
      }),
    );
    const { response } = await res.json();
    expect(response).toMatchObject({ uid: REVIEW_UID, allowed: true, patchType: "JSONPatch" });
    expect(atob(response.patch)).toContain(`${image("app")}@${digest}`);
    expect(res.headers.get("server-timing")).toMatch(/registry;desc="requests=\d+/);
    const metrics = await (await handler(new Request("http://127.0.0.1:40123/metrics"))).text();
    expect(metrics).toContain('imgverify_admissions_total{route="mutate",verdict="allowed"} 1');
    h.stop("SIGINT");
    expect(await exit).toBe(0);
    expect(h.io.err).toContain('"message":"policies loaded"');
  });

  it("refuses to start on an invalid policy, listing its issues", async () => {
    const bad = policyDoc({ entries: [{ imageReferences: 7 }] });
    const h = harness(
      {},
      { "p.json": JSON.stringify(bad), "root.json": JSON.stringify(EMPTY_ROOT) },
    );
    const args = ["serve", "--policy", "p.json", "--trusted-root", "root.json"];
    const code = await runCli([...args, "--allow-unauthenticated"], h.io);
    expect(code).toBe(2);
    expect(h.io.err).toMatch(/p\.json.*imageReferences/s);
    expect(h.io.out).toBe("");
  });

  it("with --config-maps kube reads rule context ConfigMaps through the in-cluster source", async () => {
    const key = await freshKey();
    const policy = policyDoc({
      name: "sigs",
      entries: [
        {
          imageReferences: REFS,
          attestors: [
            {
              entries: [
                {
                  ...keyEntry(key),
                  keys: { ...(keyEntry(key).keys as object), publicKeys: "{{ keys.data.pub }}" },
                },
              ],
            },
          ],
        },
      ],
    });
    const [rule] = (policy.spec as { rules: Record<string, unknown>[] }).rules;
    if (rule === undefined) throw new Error("policyDoc made no rule");
    rule.context = [{ name: "keys", configMap: { name: "signing-keys", namespace: "sec" } }];
    const asked: InClusterSourceOptions[] = [];
    const served = await serveAdmission(
      key,
      { "p/sigs.json": JSON.stringify(policy) },
      ["--config-maps", "kube", "--config-map-ttl", "5s", "--timeout", "3s"],
      {
        inClusterConfigMaps: async (options) => {
          asked.push(options);
          const cm = {
            name: "signing-keys",
            namespace: "sec",
            data: { pub: key.pem },
            metadata: {},
          };
          return new StaticConfigMapSource([cm]);
        },
      },
    );
    expect(served.response.status?.message ?? "").toBe("");
    expect(served.response).toMatchObject({ allowed: true });
    expect(asked).toMatchObject([{ ttlMs: 5000, timeoutMs: 3000 }]);
    expect(await served.stop()).toBe(0);
  });
});
