/**
 * The admission engine over docker-registry 2.8: a Pod whose containers share
 * an image, two policies with two signers, classic cosign signatures made
 * with openssl keys, on the anonymous and the token-auth registry. Every
 * distinct registry request is made exactly once (anonymous: exact count;
 * token auth adds challenge round trips), and Kyverno 1.11's sequential way
 * reaches the same verdicts with more requests.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { systemClock } from "../../../src/deps.ts";
import { evaluateAdmission, VerificationCache } from "../../../src/engine/index.ts";
import { readPolicies, type VerifyImagesPolicy } from "../../../src/policy/index.ts";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import type { PushedImage } from "../../support/context.ts";
import { pushImage } from "../../support/images.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { admission, policyDoc } from "../../unit/engine/core/world.ts";
import { recordingClient } from "../oci/setup.ts";
import {
  type OpensslKey,
  opensslKey,
  opensslSign,
  productionTrust,
  pushCosignManifest,
  SIGNATURE_ANNOTATION,
  simpleSigningPayload,
} from "../verify/support.ts";

const dir = makeTempDir("engine-admission");
afterAll(() => removeTempDir(dir));

describe.each(["anonymous", "token"] as const)(
  "evaluateAdmission over a real registry (%s)",
  (mode) => {
    const registry = inject("registries")[mode];
    const harness = new HarnessClient(registry);
    let keys: OpensslKey[];
    let app: PushedImage;
    let sidecar: PushedImage;
    let loaded: VerifyImagesPolicy[];

    async function sign(image: PushedImage): Promise<void> {
      const reference = `${registry.host}/${image.repository}`;
      const payload = simpleSigningPayload(reference, image.digest);
      const layers = await Promise.all(
        keys.map(async (key) => ({
          content: payload,
          annotations: {
            [SIGNATURE_ANNOTATION]: Buffer.from(await opensslSign(dir, key, payload)).toString(
              "base64",
            ),
          },
        })),
      );
      await pushCosignManifest(harness, image.repository, image.digest, "sig", layers);
    }

    beforeAll(async () => {
      keys = [
        await opensslKey(dir, "ecdsa-p256", `${mode}-one`),
        await opensslKey(dir, "ecdsa-p256", `${mode}-two`),
      ];
      app = await pushImage(registry, "engine/app", "v1");
      sidecar = await pushImage(registry, "engine/sidecar", "v1");
      await Promise.all([sign(app), sign(sidecar)]);
      const entry = (signers: OpensslKey[]) => ({
        imageReferences: [`${registry.host}/engine/*`],
        attestors: [
          {
            entries: signers.map((key) => ({
              keys: { publicKeys: key.publicPem, rekor: { ignoreTlog: true } },
            })),
          },
        ],
      });
      const docs = [
        policyDoc({ name: "both-signers", entries: [entry(keys)] }),
        policyDoc({ name: "first-signer", entries: [entry(keys.slice(0, 1))] }),
      ];
      const result = readPolicies(
        docs.map((doc, i) => ({ path: `p${i}.json`, text: JSON.stringify(doc) })),
      );
      expect(result.issues).toEqual([]);
      loaded = [...result.policies];
    });

    it("makes each distinct request once, and the sequential mode agrees with more requests", async () => {
      const request = admission([
        { name: "web", image: app.reference },
        { name: "worker", image: app.reference },
        { name: "proxy", image: sidecar.reference },
      ]);
      const run = async (sequential: boolean) => {
        const { client, events } = recordingClient(registry);
        const evaluation = await evaluateAdmission(request, {
          policies: loaded,
          client,
          trust: productionTrust(),
          clock: systemClock,
          cache: new VerificationCache({ clock: systemClock }),
          options: { sequential },
        });
        return { evaluation, exchanges: events.map((e) => `${e.method} ${e.url}`) };
      };
      const parallel = await run(false);
      expect(parallel.evaluation.allowed).toBe(true);
      expect(parallel.evaluation.results.map((r) => r.status)).toEqual(Array(6).fill("pass"));
      expect(parallel.evaluation.timing.requests).toBe(parallel.exchanges.length);
      if (mode === "anonymous") {
        expect(parallel.exchanges).toEqual([...new Set(parallel.exchanges)]);
        // Per image: the tag, the .sig manifest and one signature blob (both layers hold one payload).
        expect(parallel.exchanges).toHaveLength(6);
      }

      const sequential = await run(true);
      const { timing: _p, ...parallelVerdict } = parallel.evaluation;
      const { timing: _s, ...sequentialVerdict } = sequential.evaluation;
      expect(sequentialVerdict).toEqual(parallelVerdict);
      expect(sequential.exchanges.length).toBeGreaterThan(parallel.exchanges.length);
    });
  },
);
