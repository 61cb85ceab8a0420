/**
 * The benchmark's `parallel` mode: `requestStore: false` fans out like the
 * default but shares nothing inside the request, so the registry sees every
 * unit's own requests; the verdict is the same.
 */
import { describe, expect, it } from "vitest";
import type { AdmissionEvaluation } from "../../../src/engine/index.ts";
import {
  admission,
  evaluate,
  freshKey,
  image,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  world,
} from "../engine/core/world.ts";

const verdict = ({
  timing: _timing,
  ...rest
}: AdmissionEvaluation): Omit<AdmissionEvaluation, "timing"> => rest;

describe("evaluateAdmission with requestStore: false", () => {
  it("repeats each unit's requests and checks that the store shares, with the same verdict", async () => {
    const w = world();
    const [a, b] = [await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [a, b]);
    const request = admission([
      { name: "one", image: image("app") },
      { name: "two", image: image("app") },
    ]);
    const loaded = policies({
      name: "signed",
      entries: [{ imageReferences: REFS, attestors: [{ entries: [a, b].map(keyEntry) }] }],
    });

    const shared = await evaluate(w, request, loaded, { useCache: false });
    const sharedLog = w.net.log.map((r) => `${r.method} ${r.url.href}`);
    const apart = await evaluate(w, request, loaded, { useCache: false, requestStore: false });
    const apartLog = w.net.log.slice(sharedLog.length).map((r) => `${r.method} ${r.url.href}`);

    expect(verdict(apart)).toEqual(verdict(shared));
    expect(shared.allowed).toBe(true);
    // The store: the tag, the .sig manifest and its one payload blob, once each.
    expect(sharedLog).toHaveLength(3);
    expect(new Set(apartLog)).toEqual(new Set(sharedLog));
    // Apart: each container resolves the tag, and each of its two key checks reads the
    // .sig manifest and both layers' (identical) payload blob.
    expect(apartLog).toHaveLength(2 * (1 + 2 * 3));
    expect(apart.timing).toMatchObject({
      mode: "parallel",
      requests: apartLog.length,
      sharedRequests: 0,
      sharedChecks: 0,
      checks: 4,
      resolutions: 2,
    });
    expect(shared.timing).toMatchObject({ checks: 2, sharedChecks: 2, resolutions: 1 });
  });
});
