import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../src/errors.ts";
import {
  type KeysAttestor,
  loadRuleData,
  resolveRule,
  StaticConfigMapSource,
} from "../../../src/policy/index.ts";
import { indent, KEYED_ENTRY, loadOne, PEM, policyWith } from "./helpers.ts";

const now = Date.parse("2024-06-01T00:00:00Z");
const configMaps = new StaticConfigMapSource([
  {
    name: "keys",
    namespace: "default",
    data: { production: PEM, prod: "NS-KEY", two: `${PEM}\n${PEM}` },
    metadata: { name: "keys" },
  },
]);
const request = {
  request: {
    namespace: "prod",
    operation: "CREATE",
    object: { metadata: { labels: { team: "blue" } } },
  },
};

function keysRule(
  publicKeys: string,
  context = "- name: keys\n  configMap:\n    name: keys\n    namespace: default",
) {
  const entry = `imageReferences: ['ghcr.io/*']\nattestors:\n- entries:\n  - keys:\n      publicKeys: "${publicKeys}"`;
  const rule = loadOne(
    policyWith(entry, {
      rule: `context:\n${indent(context, 2)}`,
      metadata: "annotations:\n  pod-policies.kyverno.io/autogen-controllers: none",
    }),
  ).rules[0];
  if (rule === undefined) throw new Error("no rule");
  return rule;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isImgverifyError(err) ? err.code : "other";
  }
  return undefined;
}

describe("rule context and resolveRule", () => {
  it("resolves a rule without variables once, and one with variables per request", async () => {
    const constant = keysRule(PEM.replaceAll("\n", "\\n"));
    const first = resolveRule(constant, {}, { now });
    expect(resolveRule(constant, { other: 1 }, { now }).verifyImages).toBe(first.verifyImages);
    const variable = keysRule("{{ keys.data.prod }}");
    const keysOf = async (namespaceKey: string) => {
      const data = { keys: { data: { prod: namespaceKey } } };
      const entry = resolveRule(variable, data, { now }).verifyImages[0]?.attestors[0]?.entries[0];
      return (entry as KeysAttestor).publicKeys;
    };
    expect(await keysOf("KEY-A")).toBe("KEY-A");
    expect(await keysOf("KEY-B")).toBe("KEY-B");
  });

  it("resolves publicKeys from a ConfigMap beside the policy", async () => {
    const rule = keysRule("{{ keys.data.production }}");
    const data = await loadRuleData(rule.context, request, configMaps, { now });
    expect(data.keys).toEqual({ data: configMaps.list()[0]?.data, metadata: { name: "keys" } });
    const resolved = resolveRule(rule, data, { now });
    const entry = resolved.verifyImages[0]?.attestors[0]?.entries[0] as KeysAttestor;
    expect(entry.publicKeys).toBe(PEM);
    expect(resolved.data).toBe(data);
    // The loaded rule is untouched.
    expect((rule.verifyImages[0]?.attestors[0]?.entries[0] as KeysAttestor).publicKeys).toBe(
      "{{ keys.data.production }}",
    );
  });

  it("supports nested variables like the published multi-key sample", async () => {
    const rule = keysRule("{{ keys.data.{{request.namespace}} }}");
    const data = await loadRuleData(rule.context, request, configMaps, { now });
    expect(
      (resolveRule(rule, data, { now }).verifyImages[0]?.attestors[0]?.entries[0] as KeysAttestor)
        .publicKeys,
    ).toBe("NS-KEY");
  });

  it("splits several PEM keys into entries, as Kyverno does", async () => {
    const rule = keysRule("{{ keys.data.two }}");
    const resolved = resolveRule(
      rule,
      await loadRuleData(rule.context, request, configMaps, { now }),
      { now },
    );
    const set = resolved.verifyImages[0]?.attestors[0];
    expect(set?.count).toBeUndefined();
    expect(set?.entries.map((e) => (e as KeysAttestor).publicKeys)).toEqual([PEM, PEM]);
  });

  it("fails the rule with CONTEXT_UNRESOLVED when the ConfigMap was not supplied", async () => {
    const rule = keysRule(
      "{{ keys.data.production }}",
      "- name: keys\n  configMap:\n    name: absent",
    );
    await expect(loadRuleData(rule.context, request, configMaps, { now })).rejects.toThrow(
      /ConfigMap default\/absent was not supplied/,
    );
    expect(await codeOf(loadRuleData(rule.context, request, configMaps, { now }))).toBe(
      "CONTEXT_UNRESOLVED",
    );
  });

  it("keeps a namespaced Policy to its own ConfigMaps", async () => {
    const rule = keysRule(
      "{{ keys.data.production }}",
      "- name: keys\n  configMap:\n    name: keys\n    namespace: '{{ request.namespace }}'",
    );
    expect(
      await codeOf(
        loadRuleData(rule.context, request, configMaps, { now, policyNamespace: "team" }),
      ),
    ).toBe("CONTEXT_UNRESOLVED");
  });

  it("fails resolveRule on a missing key or a non-string value", async () => {
    const data = await loadRuleData(keysRule("x").context, request, configMaps, { now });
    const missing = keysRule("{{ keys.data.nothing }}");
    expect(() => resolveRule(missing, data, { now })).toThrow(/unknown key "nothing"/);
    const object = keysRule("{{ keys.data }}");
    expect(() => resolveRule(object, data, { now })).toThrow(/not a string/);
  });

  it("refuses a variable that resolves to a KMS or k8s:// key", async () => {
    const rule = keysRule("{{ keys.data.ref }}");
    const kms = new StaticConfigMapSource([
      { name: "keys", namespace: "default", data: { ref: "k8s://ns/secret" }, metadata: {} },
    ]);
    const data = await loadRuleData(rule.context, request, kms, { now });
    let caught: unknown;
    try {
      resolveRule(rule, data, { now });
    } catch (err) {
      caught = err;
    }
    expect(isImgverifyError(caught, "UNSUPPORTED_FEATURE")).toBe(true);
  });

  it("evaluates variable context entries: value, jmesPath and default", async () => {
    const context = `- name: team
  variable:
    jmesPath: request.object.metadata.labels.team
- name: owner
  variable:
    jmesPath: request.object.metadata.labels.owner
    default: nobody
- name: pair
  variable:
    value: {a: "{{ team }}", count: 2}
- name: upper
  variable:
    value: "{{ team }}"
    jmesPath: to_upper(@)`;
    const rule = loadOne(policyWith(KEYED_ENTRY, { rule: `context:\n${indent(context, 2)}` }))
      .rules[0];
    const data = await loadRuleData(rule?.context ?? [], request, configMaps, { now });
    expect([data.team, data.owner, data.pair, data.upper]).toEqual([
      "blue",
      "nobody",
      { a: "blue", count: 2 },
      "BLUE",
    ]);
  });

  it("fails a variable entry that evaluates to null without a default", async () => {
    const context =
      "- name: owner\n  variable:\n    jmesPath: request.object.metadata.labels.owner";
    const rule = loadOne(policyWith(KEYED_ENTRY, { rule: `context:\n${indent(context, 2)}` }))
      .rules[0];
    expect(await codeOf(loadRuleData(rule?.context ?? [], request, configMaps, { now }))).toBe(
      "VARIABLE_UNRESOLVED",
    );
  });

  it("leaves attestation conditions for evaluation time", async () => {
    const entry = `imageReferences: ['*']
attestations:
- type: t
  attestors:
  - entries:
    - keyless:
        subject: "{{ request.namespace }}@example.com"
        issuer: https://issuer
        rekor: {url: https://rekor.sigstore.dev}
  conditions:
  - all:
    - key: "{{ builder.id }}"
      operator: Equals
      value: x`;
    const rule = loadOne(policyWith(entry)).rules[0];
    if (rule === undefined) throw new Error("no rule");
    const resolved = resolveRule(rule, request, { now });
    const attestation = resolved.verifyImages[0]?.attestations[0];
    expect(attestation?.attestors[0]?.entries[0]).toMatchObject({ subject: "prod@example.com" });
    expect(attestation?.conditions[0]?.all?.[0]?.key).toBe("{{ builder.id }}");
  });
});
