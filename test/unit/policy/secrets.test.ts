/**
 * `keys.secret`: attestor keys read from a Secret's `cosign.pub`, the Secret
 * given beside the policies (or, behind the same interface, by a cluster).
 */
import { describe, expect, it } from "vitest";
import {
  type ResolvedRule,
  readPolicies,
  resolveRule,
  type Secret,
  StaticSecretSource,
  withSecretKeys,
} from "../../../src/policy/index.ts";
import { corporaPresent, corpusText } from "./corpora.ts";
import { indent, load, PEM, policyWith } from "./helpers.ts";

const SECRET_ENTRY = [
  "imageReferences: ['ghcr.io/org/*']",
  "attestors:",
  "- entries:",
  "  - keys:",
  "      secret: {name: cosign-key, namespace: keys}",
].join("\n");

const OTHER_PEM = [
  "-----BEGIN PUBLIC KEY-----",
  "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEstG5Xl7UxkQsmLUxdmS85HLgYBFy",
  "c/P/oQ22iazkKm8P0sNlaZiaZC4TSEea3oh2Pim0+wxSubhKoK+7jq9Egg==",
  "-----END PUBLIC KEY-----",
].join("\n");

const secretDoc = (fields: string) =>
  ["apiVersion: v1", "kind: Secret", "metadata: {name: cosign-key, namespace: keys}", fields].join(
    "\n",
  );

const secret = (data: Record<string, string>): Secret => ({
  name: "cosign-key",
  namespace: "keys",
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, btoa(v)])),
});

/** The one rule of the policy in `text`, resolved without variables. */
function ruleOf(text: string): ResolvedRule {
  const { policies, issues } = load(text);
  expect(issues).toEqual([]);
  const rule = policies[0]?.rules[0];
  if (rule === undefined) throw new Error("no rule loaded");
  return resolveRule(rule, {}, { now: Date.now() });
}

const keysOf = (rule: ResolvedRule) =>
  rule.verifyImages[0]?.attestors[0]?.entries.map((entry) =>
    entry.kind === "keys" ? entry.publicKeys : entry.kind,
  );

describe("keys.secret", () => {
  it("loads, and reads its keys from cosign.pub per admission, one entry per key", async () => {
    const rule = ruleOf(policyWith(SECRET_ENTRY));
    expect(keysOf(rule)).toEqual([""]);
    const source = new StaticSecretSource([secret({ "cosign.pub": `${PEM}\n${OTHER_PEM}\n` })]);
    const filled = await withSecretKeys(rule, source);
    expect(keysOf(filled)).toEqual([PEM, OTHER_PEM]);
    // The resolved rule itself is left as it was, for the next admission's Secret.
    expect(keysOf(rule)).toEqual([""]);
  });

  it("reads cosign's k8s://namespace/name in publicKeys as the same Secret", async () => {
    const rule = ruleOf(
      policyWith(
        SECRET_ENTRY.replace(
          "secret: {name: cosign-key, namespace: keys}",
          "publicKeys: k8s://keys/cosign-key",
        ),
      ),
    );
    const source = new StaticSecretSource([secret({ "cosign.pub": PEM })]);
    expect(keysOf(await withSecretKeys(rule, source))).toEqual([PEM]);
  });

  it("fails the rule, naming the field and the Secret, when the Secret or its key is missing", async () => {
    const rule = ruleOf(policyWith(SECRET_ENTRY));
    const path = "spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.secret";
    await expect(withSecretKeys(rule, new StaticSecretSource([]))).rejects.toMatchObject({
      code: "CONTEXT_UNRESOLVED",
      message: `${path}: Secret keys/cosign-key was not found`,
    });
    const wrongKey = new StaticSecretSource([secret({ "key.pub": PEM })]);
    await expect(withSecretKeys(rule, wrongKey)).rejects.toMatchObject({
      code: "CONTEXT_UNRESOLVED",
      message: `${path}: Secret keys/cosign-key has no key "cosign.pub"`,
    });
    const notAKey = new StaticSecretSource([secret({ "cosign.pub": "hello" })]);
    await expect(withSecretKeys(rule, notAKey)).rejects.toMatchObject({
      code: "CONTEXT_UNRESOLVED",
      message: `${path}: Secret keys/cosign-key: "cosign.pub" holds no PEM public key`,
    });
  });

  it("lets a namespaced Policy read only the Secrets of its own namespace", async () => {
    const text = policyWith(SECRET_ENTRY)
      .replace("kind: ClusterPolicy", "kind: Policy")
      .replace("  name: p", "  name: p\n  namespace: shop");
    const rule = ruleOf(text);
    const source = new StaticSecretSource([secret({ "cosign.pub": PEM })]);
    await expect(withSecretKeys(rule, source, "shop")).rejects.toMatchObject({
      code: "CONTEXT_UNRESOLVED",
      message: expect.stringContaining(
        "a Policy in namespace shop cannot read Secret keys/cosign-key",
      ),
    });
  });

  it("refuses a secret without name or namespace, and one beside publicKeys", () => {
    const paths = (entry: string) =>
      load(policyWith(entry)).issues.map((i) => `${i.code} ${i.path}`);
    const at = "spec.rules[0].verifyImages[0].attestors[0].entries[0].keys";
    expect(paths(SECRET_ENTRY.replace("{name: cosign-key, namespace: keys}", "{name: k}"))).toEqual(
      [`FIELD_REQUIRED ${at}.secret.namespace`],
    );
    expect(paths(`${SECRET_ENTRY}\n      publicKeys: |-\n${indent(PEM, 8)}`)).toEqual([
      `FIELD_INVALID ${at}.secret`,
    ]);
  });
});

describe("Secret manifests beside the policies", () => {
  it("are collected with data as given and stringData merged over it", async () => {
    const { secrets, issues } = load(
      secretDoc(`data:\n  cosign.pub: ${btoa(OTHER_PEM)}\nstringData:\n  note: plain text`),
    );
    expect(issues).toEqual([]);
    const found = await secrets.get("keys", "cosign-key");
    expect(found?.data).toEqual({ "cosign.pub": btoa(OTHER_PEM), note: btoa("plain text") });
  });

  it("refuse data that is not base64, and a Secret given twice", () => {
    const bad = load(secretDoc("data:\n  cosign.pub: not base64!"));
    expect(bad.issues.map((i) => `${i.code} ${i.path}`)).toEqual(["FIELD_INVALID data.cosign.pub"]);
    const twice = load(`${secretDoc("data: {}")}\n---\n${secretDoc("data: {}")}`);
    expect(twice.issues.map((i) => i.message)).toEqual([
      "Secret keys/cosign-key is given more than once",
    ]);
  });
});

const KEYED_SECRET =
  "kyverno/test/conformance/chainsaw/verify-images/clusterpolicy/standard/keyed-secret";

describe.skipIf(!corporaPresent)("Kyverno's keyed-secret conformance test", () => {
  it("loads its policy and its Secret, and reads the key Kyverno reads", async () => {
    const loaded = readPolicies(
      ["policy.yaml", "chainsaw-step-01-apply-3.yaml"].map((file) => ({
        path: file,
        text: corpusText(`${KEYED_SECRET}/${file}`),
      })),
    );
    expect(loaded.issues).toEqual([]);
    const rule = loaded.policies[0]?.rules[0];
    if (rule === undefined) throw new Error("no rule loaded");
    const filled = await withSecretKeys(resolveRule(rule, {}, { now: Date.now() }), loaded.secrets);
    expect(keysOf(filled)).toEqual([PEM]);
  });
});
