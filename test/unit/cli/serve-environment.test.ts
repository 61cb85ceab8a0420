/**
 * serve configured the container way: every flag from its IMGVERIFY_*
 * variable, flags over them, and a name nobody reads refused by name.
 */
import { describe, expect, it } from "vitest";
import { serveCommand } from "../../../src/cli/commands/serve.ts";
import { withEnvironment } from "../../../src/cli/flags/environment.ts";
import { globalFlags } from "../../../src/cli/flags/global-flags.ts";
import { runCli } from "../../../src/cli/main.ts";
import {
  EMPTY_ROOT,
  freshKey,
  image,
  keyEntry,
  policyDoc,
  pushSigned,
  REFS,
  reviewJson,
  world,
} from "../engine/core/world.ts";
import { fakeIo } from "./fake-io.ts";
import { harness } from "./serve-harness.ts";

const TOKEN = "serve-env-token-0123456789abcdef";

/** A source over a plain record, as the runtimes read process.env. */
const source = (env: Record<string, string>) => ({
  env: (name: string) => env[name],
  envNames: (prefix: string) => Object.keys(env).filter((name) => name.startsWith(prefix)),
});

const specs = { ...globalFlags, ...serveCommand.flags };
const defaults = () =>
  ({
    ...Object.fromEntries(
      Object.entries(specs).map(([name, spec]) => [
        name,
        spec.type === "boolean" ? false : spec.multiple ? [] : undefined,
      ]),
    ),
  }) as never;

describe("flags from IMGVERIFY_* variables", () => {
  it("fills each flag left at its default, comma lists for repeatable ones, switches as on/off", () => {
    const flags = withEnvironment(
      defaults(),
      specs,
      source({
        IMGVERIFY_HOST: "0.0.0.0",
        IMGVERIFY_PORT: "9443",
        IMGVERIFY_POLICIES: "/etc/imgverify/policies, /etc/extra.yaml,",
        IMGVERIFY_TRUSTED_ROOT: "/etc/root.json",
        IMGVERIFY_INSECURE_REGISTRIES: "registry.local:5000,127.0.0.1:5001",
        IMGVERIFY_TLS_CERT: "/tls/tls.crt",
        IMGVERIFY_TLS_KEY: "/tls/tls.key",
        IMGVERIFY_REGISTRY_CONFIG: "/docker/config.json",
        IMGVERIFY_CACHE_TTL: "10m",
        IMGVERIFY_CACHE_ENTRIES: "5000",
        IMGVERIFY_TAG_TTL: "30s",
        IMGVERIFY_TIMEOUT: "8s",
        IMGVERIFY_VERIFY_API: "ON",
        IMGVERIFY_ALLOW_UNAUTHENTICATED: "0",
        IMGVERIFY_LOG_LEVEL: "",
      }),
      "serve",
    ) as Record<string, unknown>;
    expect(flags).toMatchObject({
      host: "0.0.0.0",
      port: "9443",
      policy: ["/etc/imgverify/policies", "/etc/extra.yaml"],
      "trusted-root": "/etc/root.json",
      "insecure-registry": ["registry.local:5000", "127.0.0.1:5001"],
      "tls-cert": "/tls/tls.crt",
      "tls-key": "/tls/tls.key",
      "registry-config": "/docker/config.json",
      "cache-ttl": "10m",
      "cache-entries": "5000",
      "tag-ttl": "30s",
      timeout: "8s",
      "verify-api": true,
      "allow-unauthenticated": false,
    });
    expect(flags["log-level"]).toBeUndefined();
  });

  it("lets a flag on the command line win over its variable", () => {
    const given = { ...(defaults() as object), port: "0", policy: ["p.yaml"], "verify-api": true };
    const flags = withEnvironment(
      given as never,
      specs,
      source({ IMGVERIFY_PORT: "9443", IMGVERIFY_POLICIES: "other", IMGVERIFY_VERIFY_API: "off" }),
      "serve",
    ) as Record<string, unknown>;
    expect(flags).toMatchObject({ port: "0", policy: ["p.yaml"], "verify-api": true });
  });

  it("refuses a switch that is not on or off, naming the variable", () => {
    expect(() =>
      withEnvironment(defaults(), specs, source({ IMGVERIFY_VERIFY_API: "yes please" }), "serve"),
    ).toThrow('IMGVERIFY_VERIFY_API="yes please" is not on or off');
  });

  it("reads no variable for --help and --json", () => {
    expect(() =>
      withEnvironment(defaults(), specs, source({ IMGVERIFY_JSON: "on" }), "serve"),
    ).toThrow(/unknown environment variable IMGVERIFY_JSON/);
  });
});

describe("imgverify serve from the environment", () => {
  it("loads policies, trusted root, token and address from variables alone and answers through them", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const policy = policyDoc({
      name: "sigs",
      entries: [{ imageReferences: REFS, attestors: [{ entries: [keyEntry(key)] }] }],
    });
    const files = {
      "policies/sigs.json": JSON.stringify(policy),
      "root.json": JSON.stringify(EMPTY_ROOT),
      "tls.crt": "CERT PEM",
      "tls.key": "KEY PEM",
    };
    const env = {
      IMGVERIFY_POLICIES: "policies",
      IMGVERIFY_TRUSTED_ROOT: "root.json",
      IMGVERIFY_AUTH_TOKEN: TOKEN,
      IMGVERIFY_HOST: "0.0.0.0",
      IMGVERIFY_PORT: "9443",
      IMGVERIFY_TLS_CERT: "tls.crt",
      IMGVERIFY_TLS_KEY: "tls.key",
    };
    const h = harness(env, files, false, { fetch: () => w.net.fetch });
    const exit = runCli(["serve"], h.io);
    const { handler, options } = await h.started;
    expect(options).toEqual({
      host: "0.0.0.0",
      port: 9443,
      tls: { cert: "CERT PEM", key: "KEY PEM" },
    });
    const review = async (authorization: string) =>
      handler(
        new Request("https://127.0.0.1:9443/mutate", {
          method: "POST",
          headers: { "content-type": "application/json", authorization },
          body: JSON.stringify(reviewJson([{ name: "c", image: image("app") }])),
        }),
      );
    expect((await review("Bearer wrong")).status).toBe(401);
    const { response } = await (await review(`Bearer ${TOKEN}`)).json();
    expect(response.allowed, JSON.stringify(response)).toBe(true);
    h.stop("SIGTERM");
    expect(await exit).toBe(0);
    expect(h.io.err).toContain('"message":"policies loaded"');
    expect(h.io.err).not.toContain("demo mode");
  });

  it("refuses to start on an IMGVERIFY_* name it does not read, naming it", async () => {
    const h = harness({ IMGVERIFY_POLICY: "policies", IMGVERIFY_AUTH_TOKEN: TOKEN });
    expect(await runCli(["serve"], h.io)).toBe(2);
    expect(h.io.err).toContain("unknown environment variable IMGVERIFY_POLICY:");
    expect(h.io.err).toContain("IMGVERIFY_POLICIES");
    expect(h.io.out).toBe("");
  });

  it("names Kubernetes service links as the likely cause, with the fix", async () => {
    const h = harness({
      IMGVERIFY_SERVICE_HOST: "10.96.0.12",
      IMGVERIFY_PORT: "tcp://10.96.0.12:443",
      IMGVERIFY_PORT_443_TCP: "tcp://10.96.0.12:443",
    });
    expect(await runCli(["serve"], h.io)).toBe(2);
    expect(h.io.err).toContain("IMGVERIFY_PORT_443_TCP, IMGVERIFY_SERVICE_HOST");
    expect(h.io.err).toContain("enableServiceLinks: false");

    const portOnly = harness({ IMGVERIFY_PORT: "tcp://10.96.0.12:443" });
    expect(await runCli(["serve"], portOnly.io)).toBe(2);
    expect(portOnly.io.err).toContain('IMGVERIFY_PORT="tcp://10.96.0.12:443" is not a value');
    expect(portOnly.io.err).toContain("enableServiceLinks: false");
  });

  it("shows each flag's variable in serve --help", async () => {
    const io = fakeIo();
    expect(await runCli(["serve", "--help"], io)).toBe(0);
    const help = io.out.replace(/\s+/g, " ");
    for (const name of [
      "IMGVERIFY_POLICIES",
      "IMGVERIFY_PORT",
      "IMGVERIFY_TLS_CERT",
      "IMGVERIFY_INSECURE_REGISTRIES",
      "IMGVERIFY_REGISTRY_CONFIG",
      "IMGVERIFY_CACHE_TTL",
      "IMGVERIFY_VERIFY_API",
    ]) {
      expect(help).toContain(`[$${name}]`);
    }
    expect(help).not.toContain("$IMGVERIFY_HELP");
  });

  it("leaves other commands to their flags", async () => {
    const io = fakeIo(
      { "m.json": "{}" },
      { env: (name) => (name === "IMGVERIFY_X" ? "1" : undefined) },
    );
    io.envNames = () => ["IMGVERIFY_X"];
    expect(await runCli(["digest", "m.json"], io)).toBe(0);
  });
});
