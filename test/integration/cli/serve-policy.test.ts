/**
 * `imgverify serve --policy` (Node, through bin/imgverify.js) as the API
 * server meets it: AdmissionReviews for a cosign-signed image and an
 * unsigned one from the harness registry, posted to /validate and /mutate.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { guardProcess, makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import {
  type CliResult,
  childEnv,
  IMGVERIFY_BIN,
  listeningUrl,
  runImgverify,
} from "../../support/cli.ts";
import { seedSignedImages } from "../../support/seed-signed.ts";
import { EMPTY_ROOT, policyDoc, reviewJson } from "../../unit/engine/core/world.ts";

const READY_TIMEOUT_MS = 30_000;
const dir = makeTempDir("serve-policy");
const TOKEN = "serve-policy-token-0123456789abcdef";
afterAll(() => removeTempDir(dir));
const dockerConfigDir = join(dir, "no-docker-config");

function write(path: string, value: unknown): string {
  const full = join(dir, path);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, JSON.stringify(value));
  return full;
}

describe("serve --policy", () => {
  const registry = inject("registries").anonymous;
  const unsigned = inject("seededImages").anonymous.ociImage;
  let signed: { reference: string; digest: string };
  let flags: string[];

  beforeAll(async () => {
    const seeded = await seedSignedImages(registry, { images: 1 });
    const key = seeded.keys[0]?.publicKeyPem;
    const image = seeded.images[0];
    if (key === undefined || image === undefined) throw new Error("nothing seeded");
    signed = image;
    const entry = { keys: { publicKeys: key, rekor: { ignoreTlog: true } } };
    write(
      "policies/signed.json",
      policyDoc({
        name: "signed-images",
        entries: [{ imageReferences: [`${registry.host}/*`], attestors: [{ entries: [entry] }] }],
      }),
    );
    flags = [
      "--insecure-registry",
      registry.host,
      "--trusted-root",
      write("root.json", EMPTY_ROOT),
    ];
  }, 120_000);

  it("admits the signed image with a digest pin, denies the unsigned one, and counts both", async () => {
    const child = spawn(
      process.execPath,
      [IMGVERIFY_BIN, "serve", "--port", "0", "--policy", join(dir, "policies"), ...flags],
      {
        env: childEnv({ DOCKER_CONFIG: dockerConfigDir, IMGVERIFY_AUTH_TOKEN: TOKEN }),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const guarded = guardProcess(child, dir);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    try {
      const url = await listeningUrl(child, READY_TIMEOUT_MS, () => stderr).url;
      const admit = async (route: string, image: string) => {
        const res = await fetch(`${url}/${route}`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
          body: JSON.stringify(reviewJson([{ name: "c", image }])),
        });
        expect(res.status).toBe(200);
        expect(res.headers.get("server-timing")).toMatch(/registry;desc="requests=\d+ shared=\d+"/);
        return (await res.json()).response;
      };

      const allowed = await admit("mutate", signed.reference);
      expect(allowed).toMatchObject({ allowed: true, patchType: "JSONPatch" });
      const patch = JSON.parse(Buffer.from(allowed.patch, "base64").toString("utf8"));
      expect(patch).toContainEqual({
        op: "replace",
        path: "/spec/containers/0/image",
        value: `${signed.reference.split("@")[0]}@${signed.digest}`,
      });

      const denied = await admit("validate", `${unsigned.reference}@${unsigned.digest}`);
      expect(denied.allowed).toBe(false);
      expect(denied.status.message).toContain(
        "resource Pod/shop/web was blocked due to the following policies",
      );
      expect(denied.status.message).toContain("signed-images:");

      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('imgverify_admissions_total{route="mutate",verdict="allowed"} 1');
      expect(metrics).toContain('imgverify_admissions_total{route="validate",verdict="denied"} 1');
      expect(metrics).toMatch(/^imgverify_registry_requests_total [1-9]\d*$/m);
    } finally {
      await guarded.stop();
    }
  });

  it("refuses to start with an invalid policy (exit 2), naming the field", async () => {
    const bad = write("bad/policy.json", policyDoc({ entries: [{ imageReferences: 7 }] }));
    const result: CliResult = await runImgverify(
      ["serve", "--port", "0", "--policy", bad, "--allow-unauthenticated", ...flags],
      {
        dockerConfigDir,
        timeoutMs: READY_TIMEOUT_MS,
      },
    );
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain("listening");
    expect(result.stderr).toMatch(/policy\.json.*imageReferences/s);
  });
});
