import { describe, expect, it } from "vitest";
import {
  admission,
  evaluate,
  freshKey,
  HOST,
  image,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  SLSA,
  world,
} from "./world.ts";

const signedBy = (...keys: Awaited<ReturnType<typeof freshKey>>[]) => ({
  imageReferences: REFS,
  attestors: [{ entries: keys.map(keyEntry) }],
});

describe("evaluateAdmission: verdicts", () => {
  it("admits an image signed by the policy's key, pinning its digest and recording it", async () => {
    const w = world();
    const key = await freshKey();
    const digest = await pushSigned(w.registry, "app", "v1", [key]);
    const loaded = policies({ entries: [signedBy(key)] });
    const result = await evaluate(w, admission([{ name: "c", image: image("app") }]), loaded);
    expect(result.results).toMatchObject([{ policy: "p", rule: "r0", status: "pass", digest }]);
    expect(result.allowed).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(result.patch[0]).toEqual({
      op: "replace",
      path: "/spec/containers/0/image",
      value: `${image("app")}@${digest}`,
    });
    expect(JSON.stringify(result.patch[1])).toContain(`${HOST}/app@${digest}`);
  });

  it("denies under Enforce and names the policy, rule and image", async () => {
    const w = world();
    const [signer, other] = [await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [signer]);
    const result = await evaluate(
      w,
      admission([{ name: "c", image: image("app") }]),
      policies({ name: "sigs", entries: [signedBy(other)] }),
    );
    expect(result.allowed).toBe(false);
    expect(result.results[0]?.status).toBe("fail");
    expect(result.message).toContain(
      "resource Pod/shop/web was blocked due to the following policies",
    );
    expect(result.message).toMatch(
      /sigs:\n\s+r0: .*failed to verify image registry\.example\.test\/app:v1/,
    );
    expect(result.patch).toEqual([]);
  });

  it("admits under Audit with a warning", async () => {
    const w = world();
    const [signer, other] = [await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [signer]);
    const result = await evaluate(
      w,
      admission([{ name: "c", image: image("app") }]),
      // Under Audit mutateDigest is off, so a tag needs verifyDigest off too (as in Kyverno).
      policies({ action: "Audit", entries: [{ ...signedBy(other), verifyDigest: false }] }),
    );
    expect(result.allowed).toBe(true);
    expect(result.results[0]?.status).toBe("fail");
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^policy p\.r0: failed to verify image/);
  });

  it("lets a per-entry failureAction override the policy's", async () => {
    const w = world();
    const [signer, other] = [await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [signer]);
    const entry = { ...signedBy(other), failureAction: "Audit", verifyDigest: false };
    const result = await evaluate(
      w,
      admission([{ name: "c", image: image("app") }]),
      policies({ action: "Enforce", entries: [entry] }),
    );
    expect(result.allowed).toBe(true);
    expect(result.warnings[0]).toMatch(/^policy p\.r0: failed to verify image/);
  });

  it("needs every attestor of a set, or `count` of them", async () => {
    const w = world();
    const [a, b] = [await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [a]);
    const request = admission([{ name: "c", image: image("app") }]);
    const all = await evaluate(w, request, policies({ entries: [signedBy(a, b)] }));
    expect(all.results[0]?.status).toBe("fail");
    const one = {
      imageReferences: REFS,
      attestors: [{ count: 1, entries: [keyEntry(b), keyEntry(a)] }],
    };
    expect((await evaluate(w, request, policies({ entries: [one] }))).results[0]?.status).toBe(
      "pass",
    );
    const nested = {
      imageReferences: REFS,
      attestors: [{ entries: [{ attestor: { count: 1, entries: [keyEntry(b), keyEntry(a)] } }] }],
    };
    expect((await evaluate(w, request, policies({ entries: [nested] }))).results[0]?.status).toBe(
      "pass",
    );
  });

  // Kyverno reads `required` only in its validating webhook, against the
  // annotation its mutating webhook wrote; the signature check itself fails
  // an unsigned image either way.
  it("fails an unsigned image whether or not the signature is required", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", []);
    const request = admission([{ name: "c", image: image("app") }]);
    const optional = await evaluate(
      w,
      request,
      policies({ entries: [{ ...signedBy(key), required: false }] }),
    );
    expect(optional.results[0]).toMatchObject({ status: "fail" });
    expect(optional.allowed).toBe(false);
    const required = await evaluate(w, request, policies({ entries: [signedBy(key)] }));
    expect(required.results[0]?.status).toBe("fail");
    expect(required.results[0]?.message).toMatch(/no signatures found/);
  });

  it("refuses a tag-only image under verifyDigest when no patch can pin it", async () => {
    const w = world();
    const key = await freshKey();
    const digest = await pushSigned(w.registry, "app", "v1", [key]);
    const loaded = policies({ entries: [signedBy(key)] });
    const tagged = await evaluate(w, admission([{ name: "c", image: image("app") }]), loaded, {
      mutate: false,
    });
    expect(tagged.results[0]).toMatchObject({
      status: "fail",
      message: `missing digest for ${image("app")}`,
    });
    expect(w.net.log).toHaveLength(0);
    const pinned = await evaluate(
      w,
      admission([{ name: "c", image: `${image("app")}@${digest}` }]),
      loaded,
      { mutate: false },
    );
    expect(pinned.results[0]?.status).toBe("pass");
    expect(pinned.patch).toEqual([]);
    const lax = policies({ entries: [{ ...signedBy(key), verifyDigest: false }] });
    const laxTagged = await evaluate(w, admission([{ name: "c", image: image("app") }]), lax, {
      mutate: false,
    });
    expect(laxTagged.results[0]?.status).toBe("pass");
  });

  it("leaves an image that names its digest unpinned", async () => {
    const w = world();
    const key = await freshKey();
    const digest = await pushSigned(w.registry, "app", "v1", [key]);
    const result = await evaluate(
      w,
      admission([{ name: "c", image: `${image("app")}@${digest}` }]),
      policies({ entries: [signedBy(key)] }),
    );
    expect(result.results[0]?.status).toBe("pass");
    expect(result.patch.some((op) => op.path === "/spec/containers/0/image")).toBe(false);
  });

  it("skips images matched by skipImageReferences, with a warning and no registry call", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const entry = { ...signedBy(key), skipImageReferences: [`${HOST}/tools*`] };
    const result = await evaluate(
      w,
      admission([
        { name: "c", image: image("app") },
        { name: "t", image: image("tools") },
      ]),
      policies({ entries: [entry] }),
    );
    expect(result.results.map((r) => `${r.image} ${r.status}`).sort()).toEqual([
      `${image("app")} pass`,
      `${image("tools")} skip`,
    ]);
    expect(result.warnings).toEqual([`policy p.r0: skipping image reference ${image("tools")}`]);
    expect(w.net.requests("/tools/")).toHaveLength(0);
  });

  it("checks attestations and their conditions against the verified predicate", async () => {
    const w = world();
    const key = await freshKey();
    const predicate = { builder: { id: "https://ci.example.test/builder" } };
    await pushSigned(w.registry, "app", "v1", [key], [{ key, predicate }]);
    const entry = (id: string) => ({
      imageReferences: REFS,
      attestations: [
        {
          type: SLSA,
          attestors: [{ entries: [keyEntry(key)] }],
          conditions: [{ all: [{ key: "{{ builder.id }}", operator: "Equals", value: id }] }],
        },
      ],
    });
    const request = admission([{ name: "c", image: image("app") }]);
    const good = await evaluate(w, request, policies({ entries: [entry(predicate.builder.id)] }));
    expect(good.results[0]?.status).toBe("pass");
    const bad = await evaluate(w, request, policies({ entries: [entry("https://other.test")] }));
    expect(bad.results[0]?.status).toBe("fail");
    expect(bad.results[0]?.message).toContain(`predicate ${SLSA}`);
    const missing = await evaluate(
      w,
      request,
      policies({
        entries: [
          {
            ...entry(predicate.builder.id),
            attestations: [
              { type: "https://example.test/other", attestors: [{ entries: [keyEntry(key)] }] },
            ],
          },
        ],
      }),
    );
    expect(missing.results[0]?.status).toBe("fail");
    expect(missing.results[0]?.message).toMatch(
      /no attestations of type https:\/\/example\.test\/other/,
    );
  });

  it("fails closed on an unreachable registry unless the policy's failurePolicy is Ignore", async () => {
    const w = world();
    const key = await freshKey();
    const request = admission([{ name: "c", image: "unreachable.example.test/app:v1" }]);
    const entry = {
      imageReferences: ["unreachable.example.test/*"],
      attestors: [{ entries: [keyEntry(key)] }],
    };
    const closed = await evaluate(w, request, policies({ entries: [entry] }));
    expect(closed.results[0]?.status).toBe("error");
    expect(closed.allowed).toBe(false);
    const open = await evaluate(
      w,
      request,
      policies({ failurePolicy: "Ignore", entries: [entry] }),
    );
    expect(open.results[0]?.status).toBe("error");
    expect(open.allowed).toBe(true);
    expect(open.warnings).toHaveLength(1);
  });

  it("verifies nothing on DELETE", async () => {
    const w = world();
    const key = await freshKey();
    const created = admission([{ name: "c", image: image("app") }]);
    const deleted = {
      ...created,
      operation: "DELETE" as const,
      oldObject: created.object,
      object: undefined,
    };
    const result = await evaluate(w, deleted, policies({ entries: [signedBy(key)] }));
    expect(result).toMatchObject({ allowed: true, results: [], patch: [] });
    expect(w.net.log).toHaveLength(0);
  });

  it("fails closed when the match needs facts the request does not carry", async () => {
    const w = world();
    const key = await freshKey();
    const doc = policies({
      rules: [{ name: "r", entries: [signedBy(key)] }],
    });
    const [policy] = doc;
    if (policy === undefined) throw new Error("no policy");
    const [rule] = policy.rules;
    if (rule === undefined) throw new Error("no rule");
    const filter = rule.match.filters[0];
    if (filter === undefined) throw new Error("no filter");
    const selective = {
      ...policy,
      rules: [
        {
          ...rule,
          match: {
            ...rule.match,
            filters: [
              {
                ...filter,
                namespaceSelector: { matchLabels: { team: "a" }, matchExpressions: [] },
              },
            ],
          },
        },
      ],
    };
    const request = admission([{ name: "c", image: image("app") }]);
    const unknown = await evaluate(w, request, [selective]);
    expect(unknown.results[0]).toMatchObject({ status: "error", code: "MATCH_UNKNOWN" });
    expect(unknown.allowed).toBe(false);
    const known = await evaluate(w, request, [selective], {
      matchFacts: { namespaceLabels: { team: "b" } },
    });
    expect(known.results).toEqual([]);
    expect(known.allowed).toBe(true);
  });
});
