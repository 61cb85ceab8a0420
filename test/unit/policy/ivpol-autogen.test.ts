import { describe, expect, it } from "vitest";
import { autogenSpecs, canAutogen } from "../../../src/policy/ivpol/autogen.ts";

const pods = { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] };

describe("ImageValidatingPolicy autogen, as Kyverno's", () => {
  it.each([
    [{ resourceRules: [pods] }, true],
    [{ resourceRules: [pods], objectSelector: {} }, true],
    [{ resourceRules: [pods], objectSelector: { matchLabels: { a: "b" } } }, false],
    [{ resourceRules: [pods, pods] }, false],
    [{ resourceRules: [{ ...pods, resources: ["pods", "configmaps"] }] }, false],
    [{ resourceRules: [{ ...pods, resourceNames: ["web"] }] }, false],
    [{ resourceRules: [pods], excludeResourceRules: [pods] }, false],
    [{ resourceRules: [{ ...pods, apiGroups: ["apps"], resources: ["deployments"] }] }, false],
  ])("generates for %j: %s", (constraints, expected) => {
    expect(canAutogen(constraints)).toBe(expected);
  });

  it("reads the pod template, leaving metadata.namespace on the controller", () => {
    const spec = {
      matchConstraints: { resourceRules: [pods], namespaceSelector: { matchLabels: { x: "y" } } },
      autogen: { podControllers: { controllers: ["deployments", "cronjobs"] } },
      matchConditions: [
        {
          name: "c",
          expression:
            "object.metadata.labels.a == 'b' && object.metadata.namespace == 'n' && oldObject.spec.x",
        },
      ],
    };
    const variants = autogenSpecs(spec, ["deployments", "cronjobs"]);
    expect(variants.map((v) => v.resources)).toEqual([["deployments"], ["cronjobs"]]);
    const [deployments, cronjobs] = variants.map((v) => v.spec);
    expect(deployments?.matchConstraints).toEqual({
      resourceRules: [
        {
          apiGroups: ["apps"],
          apiVersions: ["v1"],
          resources: ["deployments"],
          operations: ["CREATE"],
        },
      ],
      namespaceSelector: { matchLabels: { x: "y" } },
    });
    expect(deployments?.autogen).toBeUndefined();
    expect((deployments?.matchConditions as { expression: string }[])[0]?.expression).toBe(
      "object.spec.template.metadata.labels.a == 'b' && object.metadata.namespace == 'n' && oldObject.spec.template.spec.x",
    );
    expect((cronjobs?.matchConditions as { expression: string }[])[0]?.expression).toBe(
      "object.spec.jobTemplate.spec.template.metadata.labels.a == 'b' && object.metadata.namespace == 'n' && oldObject.spec.jobTemplate.spec.template.spec.x",
    );
  });
});
