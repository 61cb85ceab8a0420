/**
 * Attestor `count` read the way Kyverno reads it: entries in order, stopping
 * once `count` verified. The sequential runner checks no entry past that
 * point, and both runners reach the same verdicts.
 */
import { describe, expect, it } from "vitest";
import type { AdmissionEvaluation } from "../../../../src/engine/index.ts";
import {
  admission,
  evaluate,
  freshKey,
  image,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  SLSA,
  type World,
  world,
} from "./world.ts";

type Key = Awaited<ReturnType<typeof freshKey>>;

const verdict = (e: AdmissionEvaluation) => ({
  allowed: e.allowed,
  message: e.message,
  results: e.results,
});

/** Requests since `from` whose URL contains `part`. */
const requests = (w: World, from: number, part: string): number =>
  w.net.log.slice(from).filter((r) => r.url.href.includes(part)).length;

async function both(w: World, loaded: ReturnType<typeof policies>) {
  const request = admission([{ name: "c", image: image("app") }]);
  const parallel = await evaluate(w, request, loaded, { useCache: false });
  const before = w.net.log.length;
  const sequential = await evaluate(w, request, loaded, { sequential: true });
  expect(verdict(sequential)).toEqual(verdict(parallel));
  return { parallel, sequential, from: before };
}

const signedBy = (count: number | undefined, ...keys: Key[]) => ({
  imageReferences: REFS,
  attestors: [{ ...(count !== undefined && { count }), entries: keys.map(keyEntry) }],
});

describe("sequential mode: attestor count", () => {
  it("stops checking a set's entries once count of them verified", async () => {
    const w = world();
    const [a, b, c] = [await freshKey(), await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [a, b, c]);

    const one = await both(w, policies({ entries: [signedBy(1, a, b, c)] }));
    expect(one.sequential.results[0]?.status).toBe("pass");
    expect(one.sequential.timing.checks).toBe(1);
    expect(requests(w, one.from, ".sig")).toBe(1);

    const two = await both(w, policies({ entries: [signedBy(2, a, b, c)] }));
    expect(two.sequential.timing.checks).toBe(2);
    expect(requests(w, two.from, ".sig")).toBe(2);

    // All entries by default: every one is checked.
    const all = await both(w, policies({ entries: [signedBy(undefined, a, b, c)] }));
    expect(requests(w, all.from, ".sig")).toBe(3);
  });

  it("goes on past entries that fail, and reports them when count is not met", async () => {
    const w = world();
    const [a, stranger, other] = [await freshKey(), await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [a]);
    const late = await both(w, policies({ entries: [signedBy(1, stranger, a, other)] }));
    expect(late.sequential.results[0]?.status).toBe("pass");
    expect(requests(w, late.from, ".sig")).toBe(2);

    const short = await both(w, policies({ entries: [signedBy(2, stranger, a, other)] }));
    expect(short.sequential.results[0]?.status).toBe("fail");
    expect(requests(w, short.from, ".sig")).toBe(3);
  });

  it("checks no attestation once a signature set fell short, as the verdict is already known", async () => {
    const w = world();
    const [a, stranger] = [await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [a], [{ key: a, predicate: { builder: "ci" } }]);
    const entry = {
      ...signedBy(undefined, stranger),
      attestations: [{ type: SLSA, attestors: [{ entries: [keyEntry(a)] }] }],
    };
    const run = await both(w, policies({ entries: [entry] }));
    expect(run.sequential.results[0]?.status).toBe("fail");
    expect(requests(w, run.from, ".att")).toBe(0);
  });

  it("counts attestation entries in order: a condition failing past count does not matter, before it does", async () => {
    const w = world();
    const [ci, other] = [await freshKey(), await freshKey()];
    await pushSigned(
      w.registry,
      "app",
      "v1",
      [],
      [
        { key: ci, predicate: { builder: "ci" } },
        { key: other, predicate: { builder: "laptop" } },
      ],
    );
    const attested = (...keys: Key[]) => ({
      imageReferences: REFS,
      attestations: [
        {
          type: SLSA,
          attestors: [{ count: 1, entries: keys.map(keyEntry) }],
          conditions: [{ all: [{ key: "{{ builder }}", operator: "Equals", value: "ci" }] }],
        },
      ],
    });
    const first = await both(w, policies({ entries: [attested(ci, other)] }));
    expect(first.parallel.results[0]?.status).toBe("pass");
    expect(requests(w, first.from, ".att")).toBe(1);

    const second = await both(w, policies({ entries: [attested(other, ci)] }));
    expect(second.parallel.results[0]?.status).toBe("fail");
    expect(second.parallel.results[0]?.message).toContain("attestation checks failed");
  });

  it("counts a nested set as one entry, checking it only as far as its own count", async () => {
    const w = world();
    const [a, b, c] = [await freshKey(), await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [a, b]);
    const entry = {
      imageReferences: REFS,
      attestors: [
        {
          count: 1,
          entries: [{ attestor: { count: 1, entries: [keyEntry(c), keyEntry(a)] } }, keyEntry(b)],
        },
      ],
    };
    const run = await both(w, policies({ entries: [entry] }));
    expect(run.sequential.results[0]?.status).toBe("pass");
    expect(run.sequential.timing.checks).toBe(2);
  });
});
