/**
 * The webhook's time budget against a slow registry: with the proxy holding
 * every request for 2 s and a policy allowing the webhook 1 s, the engine
 * answers within the budget, by the policy's failurePolicy (Fail denies and
 * says what timed out; Ignore admits with a warning), in both modes. The cut
 * is not remembered: once the registry is quick again, the same image passes.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { systemClock } from "../../../src/deps.ts";
import { VerificationCache } from "../../../src/engine/index.ts";
import {
  admit,
  newSigner,
  type ProxiedRegistry,
  pod,
  proxiedRegistry,
  pushUnsigned,
  type Signer,
  signImage,
} from "./fixtures.ts";
import { clusterPolicy, entry, keyEntry, loadPolicies } from "./policy-yaml.ts";

const registries = inject("registries");
const SLOW_MS = 2000;
// webhookTimeoutSeconds 1, less the engine's margin of 10 %.
const BUDGET_MS = 900;

/** An Enforce policy whose rule `signed` wants images under `pattern` signed by `signer`. */
function policy(
  name: string,
  failurePolicy: "Fail" | "Ignore",
  pattern: string,
  signer: Signer,
  webhookTimeoutSeconds = 1,
): string {
  return clusterPolicy(
    name,
    { signed: entry(pattern, [keyEntry(signer.publicPem)]) },
    { failurePolicy, webhookTimeoutSeconds },
  );
}

describe("the admission's time budget (anonymous registry)", () => {
  let setup: ProxiedRegistry;
  let signer: Signer;
  let refs: string;
  let image: string;

  beforeAll(async () => {
    setup = await proxiedRegistry(registries.anonymous);
    signer = newSigner();
    const pushed = await pushUnsigned(setup, "engine-timeouts/app");
    await signImage(setup, pushed, [signer]);
    image = pushed.proxied;
    refs = `${setup.proxy.host}/engine-timeouts/*`;
  });
  afterAll(() => setup?.close());

  it("answers within the budget by failurePolicy, then passes once the registry is quick again", async () => {
    const cache = new VerificationCache({ clock: systemClock });
    const failing = loadPolicies(policy("strict", "Fail", refs, signer));
    const ignoring = loadPolicies(policy("lenient", "Ignore", refs, signer));
    setup.proxy.setLatency(SLOW_MS);
    // Side by side: each has its own budget, and the slow requests are waited out once.
    const [fail, sequentialFail, ignore] = await Promise.all([
      admit(setup, pod(image), failing, { cache }),
      admit(setup, pod(image), failing, { sequential: true }),
      admit(setup, pod(image), ignoring, { cache }),
    ]);

    for (const admitted of [fail, sequentialFail, ignore]) {
      expect(admitted.elapsedMs, JSON.stringify(admitted.evaluation.timing)).toBeLessThan(1500);
      expect(admitted.evaluation.timing).toMatchObject({ timedOut: true, budgetMs: BUDGET_MS });
      expect(admitted.evaluation.results).toMatchObject([
        { status: "error", timedOut: true, message: `timed out resolving ${image}` },
      ]);
    }
    expect(fail.evaluation.allowed).toBe(false);
    expect(fail.evaluation.message).toContain(
      `resource Pod/shop/web was blocked due to the following policies \n\nstrict:\n  signed: timed out resolving ${image}`,
    );
    expect(sequentialFail.evaluation.message).toBe(fail.evaluation.message);
    expect(ignore.evaluation).toMatchObject({
      allowed: true,
      warnings: [`policy lenient.signed: timed out resolving ${image}`],
      patch: [],
    });

    setup.proxy.setLatency(0);
    // The same check (the cache's key) under a roomier budget, so a busy machine cannot cut it short.
    const roomy = loadPolicies(policy("strict", "Fail", refs, signer, 10));
    const again = await admit(setup, pod(image), roomy, { cache });
    expect(again.evaluation.allowed, again.evaluation.message).toBe(true);
    expect(again.evaluation.results).toMatchObject([{ status: "pass" }]);
    expect(again.evaluation.timing).toMatchObject({ timedOut: false, cachedChecks: 0 });
  });

  it("names the check the budget cut short when the digest was resolved in time", async () => {
    // A 2 s webhook timeout leaves 1800 ms. Resolving takes one round trip, the signature check two
    // more (its manifest, then its payload): at 700 ms each the resolution is done with 1100 ms to
    // spare and the check cannot be.
    setup.proxy.setLatency(700);
    const { evaluation, elapsedMs } = await admit(
      setup,
      pod(image),
      loadPolicies(policy("strict", "Fail", refs, signer, 2)),
    ).finally(() => setup.proxy.setLatency(0));
    expect(elapsedMs, JSON.stringify(evaluation.timing)).toBeLessThan(2500);
    expect(evaluation.timing).toMatchObject({ timedOut: true, budgetMs: 1800 });
    expect(evaluation.allowed).toBe(false);
    expect(evaluation.results).toMatchObject([{ status: "error", timedOut: true }]);
    expect(evaluation.results[0]?.message).toMatch(
      /^timed out verifying image .*: .*attestors\[0\]\.entries\[0\]: signatures not checked in time$/,
    );
  });
});
