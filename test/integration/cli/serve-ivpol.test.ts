/**
 * An ImageValidatingPolicy with a cosign key attestor, served by `serve
 * --policy` on Node, Bun and Deno (each as its `start:<runtime>` script
 * starts it) against the harness registry: /validate admits the signed image
 * and denies an unsigned one with the validation's message. The Worker runs
 * the same engine in the unit suite on workerd (engine-ivpol.test.ts).
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { guardProcess, makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { childEnv, listeningUrl } from "../../support/cli.ts";
import { keyAttestedIvpol } from "../../support/kyverno-resources.ts";
import { seedSignedImages } from "../../support/seed-signed.ts";
import { REPO_ROOT, serveEntries } from "../../support/serve-entries.ts";
import { EMPTY_ROOT, reviewJson } from "../../unit/engine/core/world.ts";

const READY_TIMEOUT_MS = 30_000;
const TOKEN = "serve-ivpol-token-0123456789abcdef";
const dir = makeTempDir("serve-ivpol");
afterAll(() => removeTempDir(dir));

function write(path: string, value: unknown): string {
  const full = join(dir, path);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, JSON.stringify(value));
  return full;
}

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
  write(
    "policies/ivpol.json",
    keyAttestedIvpol({
      registryHost: registry.host,
      publicKey: key,
      validations: [
        {
          expression:
            "images.containers.map(image, verifyImageSignatures(image, [attestors.key])).all(e, e > 0)",
          message: "not signed by the key",
        },
      ],
    }),
  );

  flags = [
    ...["--policy", join(dir, "policies")],
    ...["--insecure-registry", registry.host],
    ...["--trusted-root", write("root.json", EMPTY_ROOT)],
  ];
}, 120_000);

describe.each(Object.entries(serveEntries))(
  "an ImageValidatingPolicy served on %s",
  (_runtime, [command, ...args]) => {
    it("admits the signed image and denies the unsigned one through /validate", async () => {
      const child = spawn(command as string, [...args, "--port", "0", ...flags], {
        cwd: REPO_ROOT,
        env: childEnv({
          DOCKER_CONFIG: join(dir, "no-docker-config"),
          IMGVERIFY_AUTH_TOKEN: TOKEN,
          DENO_NO_UPDATE_CHECK: "1",
          DENO_NO_PROMPT: "1",
        }),
        stdio: ["ignore", "pipe", "pipe"],
      });
      const guarded = guardProcess(child, dir);
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (text: string) => {
        stderr += text;
      });
      try {
        const url = await listeningUrl(child, READY_TIMEOUT_MS, () => stderr).url;
        const validate = async (image: string) => {
          const res = await fetch(`${url}/validate`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
            body: JSON.stringify(reviewJson([{ name: "c", image }])),
          });
          expect(res.status).toBe(200);
          return (await res.json()).response;
        };
        const allowed = await validate(`${signed.reference.split("@")[0]}@${signed.digest}`);
        expect(allowed, stderr).toMatchObject({ allowed: true });
        const denied = await validate(`${unsigned.reference}@${unsigned.digest}`);
        expect(denied.allowed).toBe(false);
        expect(denied.status.message).toContain("not signed by the key");
      } finally {
        await guarded.stop();
      }
    }, 90_000);
  },
);
