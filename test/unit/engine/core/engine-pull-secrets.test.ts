import { describe, expect, it } from "vitest";
import { readPolicies, StaticSecretSource } from "../../../../src/policy/index.ts";
import {
  admission,
  evaluate,
  freshKey,
  HOST,
  image,
  keyEntry,
  policyDoc,
  pushSigned,
  REFS,
  runClock,
  world,
} from "./world.ts";

const USERS = { puller: "s3cret" };
const dockerConfig = (host: string) =>
  JSON.stringify({ auths: { [host]: { auth: btoa("puller:s3cret") } } });
const pullSecret = (namespace: string, name: string, host = HOST) => ({
  namespace,
  name,
  data: { ".dockerconfigjson": btoa(dockerConfig(host)) },
});
const pod = () => admission([{ name: "c", image: image("app") }]);

/** The policy of `doc` as a namespaced Policy in `namespace`, or as it is. */
function load(doc: Record<string, unknown>, namespace?: string) {
  const metadata = { ...(doc.metadata as object), ...(namespace && { namespace }) };
  const text = JSON.stringify({ ...doc, ...(namespace && { kind: "Policy" }), metadata });
  const loaded = readPolicies([{ path: "p.json", text }]);
  expect(loaded.issues).toEqual([]);
  return [...loaded.policies];
}

describe("evaluateAdmission: imageRegistryCredentials.secrets", () => {
  async function setup() {
    const w = world({ auth: "basic", users: USERS });
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const entry = (secrets?: string[]) => ({
      imageReferences: REFS,
      attestors: [{ entries: [keyEntry(key)] }],
      ...(secrets && { imageRegistryCredentials: { secrets } }),
    });
    return { w, entry };
  }

  it("reads a bare name from imgverify's namespace, or the one the engine is told", async () => {
    const { w, entry } = await setup();
    const loaded = load(policyDoc({ entries: [entry(["regcred"])] }));
    const secrets = new StaticSecretSource([pullSecret("imgverify", "regcred")]);
    const passed = await runClock(w, evaluate(w, pod(), loaded, { secrets }));
    expect(passed.results.map((r) => r.status)).toEqual(["pass"]);
    const elsewhere = await runClock(
      w,
      evaluate(w, pod(), loaded, { secrets, ownNamespace: "security" }),
    );
    expect(elsewhere.allowed).toBe(false);
    expect(elsewhere.results[0]?.message).toContain("Secret security/regcred was not found");
  });

  it("keeps a namespaced Policy to its own namespace's Secrets", async () => {
    const { w, entry } = await setup();
    const secrets = new StaticSecretSource([
      pullSecret("imgverify", "regcred"),
      pullSecret("shop", "regcred"),
    ]);
    const own = load(policyDoc({ entries: [entry(["regcred"])] }), "shop");
    const passed = await runClock(w, evaluate(w, pod(), own, { secrets }));
    expect(passed.results.map((r) => r.status)).toEqual(["pass"]);
    const borrowed = load(policyDoc({ entries: [entry(["imgverify/regcred"])] }), "shop");
    const refused = await runClock(w, evaluate(w, pod(), borrowed, { secrets }));
    expect(refused.allowed).toBe(false);
    expect(refused.results[0]).toMatchObject({
      status: "error",
      code: "CREDENTIALS_UNRESOLVED",
      message: expect.stringContaining(
        "a Policy in namespace shop cannot use Secret imgverify/regcred",
      ),
    });
  });

  it("gives each rule its own credentials, whichever rule asks first", async () => {
    const { w, entry } = await setup();
    const secrets = new StaticSecretSource([pullSecret("imgverify", "regcred")]);
    for (const order of [
      [entry(), entry(["regcred"])],
      [entry(["regcred"]), entry()],
    ]) {
      const loaded = load(policyDoc({ entries: order }));
      const result = await runClock(w, evaluate(w, pod(), loaded, { secrets, useCache: false }));
      const byRule = Object.fromEntries(result.results.map((r) => [r.rule, r.status]));
      const withSecret = order[0]?.imageRegistryCredentials ? "r0" : "r1";
      const without = withSecret === "r0" ? "r1" : "r0";
      expect(byRule).toEqual({ [withSecret]: "pass", [without]: "error" });
    }
  });

  it("sends a Secret's credentials to no registry it does not name", async () => {
    const { w, entry } = await setup();
    const secrets = new StaticSecretSource([pullSecret("imgverify", "regcred", "other.example")]);
    const loaded = load(policyDoc({ entries: [entry(["regcred"])] }));
    const result = await runClock(w, evaluate(w, pod(), loaded, { secrets }));
    expect(result.results[0]).toMatchObject({ status: "error" });
    expect(result.results[0]?.message).toContain(`${HOST} asks for a username and password`);
    expect(w.net.log.filter((r) => r.authorization !== null)).toEqual([]);
  });
});
