import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.ts";
import type { CredentialSource } from "../../../src/oci/auth/credentials.ts";
import { fakeIo } from "./fake-io.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

const alice: CredentialSource = {
  lookup: (registry) =>
    registry === "registry.example"
      ? { kind: "basic", username: "alice", password: "pw" }
      : undefined,
};

/**
 * A registry at https://registry.example with one tag, app:v1, behind basic
 * auth when `configs` maps --registry-config paths to credentials. Records the
 * requests and the config paths asked for.
 */
function registryIo(configs?: Record<string, CredentialSource>) {
  const seen: string[] = [];
  const io = fakeIo(
    {},
    {
      loadRegistryCredentials: async (path) => {
        seen.push(`config ${path}`);
        return (path && configs?.[path]) || { lookup: () => undefined };
      },
      fetch: () => async (request) => {
        const authorization = request.headers.get("authorization");
        seen.push(`${request.method} ${request.url} ${authorization ?? "-"}`);
        if (configs && authorization !== `Basic ${btoa("alice:pw")}`) {
          return new Response(null, {
            status: 401,
            headers: { "www-authenticate": 'Basic realm="registry.example"' },
          });
        }
        if (request.url === "https://registry.example/v2/app/manifests/v1") {
          return new Response(null, {
            status: 200,
            headers: {
              "docker-content-digest": DIGEST,
              "content-type": OCI_MANIFEST,
              "content-length": "512",
            },
          });
        }
        return new Response(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN" }] }), {
          status: 404,
          headers: { "content-type": "application/json" },
        });
      },
    },
  );
  return { io, seen };
}

describe("imgverify resolve", () => {
  it("prints the digest from a HEAD of the manifest", async () => {
    const { io, seen } = registryIo();
    expect(await runCli(["resolve", "registry.example/app:v1"], io)).toBe(0);
    expect(io.out).toBe(`${DIGEST}\n`);
    expect(seen).toEqual([
      "config undefined",
      "HEAD https://registry.example/v2/app/manifests/v1 -",
    ]);
  });

  it("answers a basic-auth challenge with credentials from --registry-config", async () => {
    const { io, seen } = registryIo({ "alice.json": alice });
    const argv = ["resolve", "--registry-config", "alice.json", "registry.example/app:v1"];
    expect(await runCli(argv, io)).toBe(0);
    expect(io.out).toBe(`${DIGEST}\n`);
    expect(seen[0]).toBe("config alice.json");
    expect(seen.at(-1)).toBe(
      `HEAD https://registry.example/v2/app/manifests/v1 Basic ${btoa("alice:pw")}`,
    );
  });

  it("exits 2 when the registry wants credentials the config does not have", async () => {
    const { io } = registryIo({ "alice.json": alice });
    expect(await runCli(["resolve", "--json", "registry.example/app:v1"], io)).toBe(2);
    expect(JSON.parse(io.out).error.code).toBe("UNAUTHORIZED");
  });

  it("prints the canonical reference, digest, media type and size with --json", async () => {
    const { io } = registryIo();
    expect(await runCli(["resolve", "--json", "registry.example/app:v1"], io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual({
      reference: "registry.example/app:v1",
      digest: DIGEST,
      mediaType: OCI_MANIFEST,
      size: 512,
    });
  });

  it("exits 1 when the tag does not exist", async () => {
    const { io } = registryIo();
    expect(await runCli(["resolve", "registry.example/app:v2"], io)).toBe(1);
    expect(io.out).toBe("");
    expect(io.err).toMatch(/^imgverify: .*registry\.example\/app:v2/);
  });

  it("exits 2 on an invalid reference, naming it", async () => {
    const { io, seen } = registryIo();
    expect(await runCli(["resolve", "--json", "Registry.example/App:v1"], io)).toBe(2);
    const { error } = JSON.parse(io.out);
    expect(error.code).toBe("REFERENCE_INVALID");
    expect(error.message).toContain("Registry.example/App:v1");
    expect(seen).toEqual([]);
  });

  it("exits 2 for a loopback registry not listed with --insecure-registry", async () => {
    const { io, seen } = registryIo();
    expect(await runCli(["resolve", "127.0.0.1:5000/app:v1"], io)).toBe(2);
    expect(io.err).toContain("--insecure-registry 127.0.0.1:5000");
    expect(seen).toEqual(["config undefined"]);
  });

  it("reaches a listed insecure registry over plain HTTP", async () => {
    const { io, seen } = registryIo();
    const argv = ["resolve", "--insecure-registry", "127.0.0.1:5000", "127.0.0.1:5000/app:v1"];
    expect(await runCli(argv, io)).toBe(1);
    expect(seen).toEqual(["config undefined", "HEAD http://127.0.0.1:5000/v2/app/manifests/v1 -"]);
  });

  it.each([[[]], [["a:1", "b:1"]]])("needs exactly one REF, not %j", async (refs) => {
    const { io } = registryIo();
    expect(await runCli(["resolve", ...refs], io)).toBe(2);
    expect(io.err).toBe(
      "imgverify: resolve needs exactly one REF (see 'imgverify resolve --help')\n",
    );
  });
});
