/**
 * Verdicts folded while the tags' HEADs are out (src/engine/foresight.ts):
 * each stands only when the HEAD names the image it was folded on, and a
 * fold that read the clock is made again once the registry has answered.
 */
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../../src/deps.ts";
import { nobleSha256 } from "../../../../src/digest/noble.ts";
import { RegistryClient } from "../../../../src/oci/index.ts";
import { pushImage } from "../../oci/setup.ts";
import {
  admission,
  attestedEntry,
  evaluate,
  freshKey,
  image,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  verdictOf,
  type World,
  world,
} from "./world.ts";

/**
 * The world's client with every HEAD held for `ms` of real time (long past
 * the task the early fold waits for), then `meanwhile` run before it is answered.
 */
function slowHeads(w: World, ms = 20, meanwhile?: () => Promise<void>): void {
  const fetch = async (request: Request): Promise<Response> => {
    if (request.method === "HEAD") {
      await new Promise((resolve) => setTimeout(resolve, ms));
      await meanwhile?.();
    }
    return w.net.fetch(request);
  };
  w.client = new RegistryClient({
    deps: { fetch, clock: w.clock, logger: silentLogger, sha256: nobleSha256 },
  });
}

const pod = (...refs: string[]) => admission(refs.map((ref, i) => ({ name: `c${i}`, image: ref })));

describe("evaluateAdmission: verdicts folded before the tags are resolved", () => {
  it("folds a warm admission's units on the images their tags named last, as the HEADs confirm", async () => {
    const w = world();
    slowHeads(w);
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    await pushSigned(w.registry, "lib", "v1", [key]);
    const loaded = policies({
      entries: [
        { imageReferences: REFS, attestors: [{ entries: [keyEntry(key)] }], mutateDigest: true },
      ],
    });
    const request = pod(image("app"), image("lib"));
    const cold = await evaluate(w, request, loaded);
    expect(cold.allowed).toBe(true);
    expect(cold.timing.foreseen).toBe(0);
    const warm = await evaluate(w, request, loaded);
    expect(warm.timing).toMatchObject({ foreseen: 2, cachedChecks: 2, checks: 0, requests: 2 });
    expect(verdictOf(warm)).toEqual(verdictOf(cold));
  });

  it("drops a foreseen verdict when the tag has moved: the image it names now is verified", async () => {
    const w = world();
    slowHeads(w);
    const key = await freshKey();
    const signed = await pushSigned(w.registry, "app", "v1", [key]);
    const loaded = policies({
      entries: [{ imageReferences: REFS, attestors: [{ entries: [keyEntry(key)] }] }],
    });
    expect((await evaluate(w, pod(image("app")), loaded)).allowed).toBe(true);
    const moved = pushImage(w.registry, "app", ["v1"], { annotations: { build: "2" } }).descriptor;
    expect(moved.digest).not.toBe(signed);
    const after = await evaluate(w, pod(image("app")), loaded);
    expect(after.timing.foreseen).toBe(0);
    expect(after.allowed).toBe(false);
    expect(after.results).toMatchObject([{ status: "fail", digest: moved.digest }]);
    expect(after.message).toContain(`no signatures found for ${image("app")}@${moved.digest}`);
  });

  it("folds again once the registry has answered when a condition reads the clock", async () => {
    const w = world();
    const key = await freshKey();
    const expires = new Date(w.clock.now() + 1000).toISOString().replace(/\.\d+Z$/, "Z");
    await pushSigned(w.registry, "app", "v1", [key], [{ key, predicate: { expires } }]);
    const expiry = {
      key: "{{ time_before(time_now_utc(), expires) }}",
      operator: "Equals",
      value: true,
    };
    const loaded = policies({ entries: [attestedEntry(key, [{ all: [expiry] }])] });
    expect((await evaluate(w, pod(image("app")), loaded)).allowed).toBe(true);
    // The next HEAD is answered two seconds later, past the predicate's expiry.
    slowHeads(w, 20, () => w.clock.advance(2000));
    const later = await evaluate(w, pod(image("app")), loaded);
    expect(later.timing.foreseen).toBe(0);
    expect(later.allowed).toBe(false);
    expect(later.message).toContain("attestation checks failed");
  });
});
