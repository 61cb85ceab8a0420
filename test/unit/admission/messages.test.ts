import { describe, expect, it } from "vitest";
import {
  blockedMessage,
  formatWarning,
  type RuleOutcome,
  warningMessages,
} from "../../../src/admission/index.ts";
import { goYamlKeyOrder } from "../../../src/encoding/go-yaml/emit.ts";

const POD = { kind: "Pod", namespace: "shop", name: "web" };

function fail(policy: string, rule: string, message: string): RuleOutcome {
  return { policy, rule, status: "fail", message };
}

/** The YAML part of a denial for one rule message. */
function yamlOf(message: string): string {
  const text = blockedMessage(POD, [fail("p", "r", message)]);
  return text.slice(text.indexOf(" \n\n") + 3);
}

describe("blockedMessage", () => {
  it("matches Kyverno's own expectations (block_test.go)", () => {
    const resource = { kind: "foo", namespace: "bar", name: "baz" };
    expect(blockedMessage(resource, [fail("test", "rule-fail", "message fail")])).toBe(
      "\n\nresource foo/bar/baz was blocked due to the following policies \n\ntest:\n  rule-fail: message fail\n",
    );
    const both: RuleOutcome[] = [
      fail("test", "rule-fail", "message fail"),
      { policy: "test", rule: "rule-error", status: "error", message: "message error" },
    ];
    expect(blockedMessage(resource, both)).toBe(
      "\n\nresource foo/bar/baz was blocked due to the following policies \n\ntest:\n  rule-error: message error\n  rule-fail: message fail\n",
    );
  });

  it("quotes a verifyImages failure the way kubectl shows it", () => {
    const outcomes: RuleOutcome[] = [
      fail(
        "check-images",
        "autogen-verify-signature",
        "failed to verify image ghcr.io/acme/app:v1: .attestors[0].entries[0].keys: no signatures found",
      ),
      { policy: "check-images", rule: "verify-attestations", status: "pass", message: "ok" },
      {
        policy: "audit-only",
        rule: "skipped",
        status: "skip",
        message: "skipping image reference",
      },
      { policy: "audit-only", rule: "warned", status: "warn", message: "it's unsigned" },
    ];
    expect(blockedMessage({ kind: "Deployment", namespace: "shop", name: "web" }, outcomes)).toBe(
      "\n\nresource Deployment/shop/web was blocked due to the following policies \n\n" +
        "audit-only:\n" +
        "  warned: it's unsigned\n" +
        "check-images:\n" +
        "  autogen-verify-signature: 'failed to verify image ghcr.io/acme/app:v1: .attestors[0].entries[0].keys: no signatures found'\n",
    );
  });

  it("leaves the namespace or the name empty, as Kyverno does", () => {
    const cluster = blockedMessage({ kind: "Namespace", namespace: "", name: "team-a" }, [
      fail("p", "r", "m"),
    ]);
    expect(cluster.startsWith("\n\nresource Namespace//team-a was blocked")).toBe(true);
    const generated = blockedMessage({ kind: "Pod", namespace: "shop", name: "" }, [
      fail("p", "r", "m"),
    ]);
    expect(generated.startsWith("\n\nresource Pod/shop/ was blocked")).toBe(true);
  });

  it("is empty when nothing failed", () => {
    expect(blockedMessage(POD, [])).toBe("");
    expect(blockedMessage(POD, [{ policy: "p", rule: "r", status: "pass", message: "ok" }])).toBe(
      "",
    );
  });

  it("writes each message in the YAML style go-yaml v3 picks", () => {
    const cases: [string, string][] = [
      ["plain words", "plain words"],
      ["a#b, [c] {d} é", "a#b, [c] {d} é"],
      ["it's: broken", "'it''s: broken'"],
      ["a #comment", "'a #comment'"],
      ["- item", "'- item'"],
      ["-item", "-item"],
      ["@at", "'@at'"],
      ["trailing ", "'trailing '"],
      ["", '""'],
      ["true", '"true"'],
      ["yes", '"yes"'],
      ["NULL", '"NULL"'],
      ["~", '"~"'],
      ["42", '"42"'],
      ["0x1F", '"0x1F"'],
      ["1_000", '"1_000"'],
      ["1.5e3", '"1.5e3"'],
      [".5", '".5"'],
      ["1e400", "1e400"],
      ["12:30", '"12:30"'],
      ["2024-02-29", '"2024-02-29"'],
      ["2023-02-29", "2023-02-29"],
      ["2024-01-02T03:04:05Z", '"2024-01-02T03:04:05Z"'],
      ["<<", "<<"],
      ["tab\there", '"tab\\there"'],
      ["rocket 🚀", '"rocket \\U0001F680"'],
      ["bell\u0007", '"bell\\a"'],
      ["cr\rlf", '"cr\\rlf"'],
      ["line one\nline two", "|-\n    line one\n    line two"],
      ["ends with newline\n", "|\n    ends with newline"],
      [" indented\nnext", "|2-\n     indented\n    next"],
      ["space before \nbreak", '"space before \\nbreak"'],
      ["blank\n\nline", "|-\n    blank\n\n    line"],
    ];
    for (const [message, yaml] of cases) {
      expect(yamlOf(message), JSON.stringify(message)).toBe(`p:\n  r: ${yaml}\n`);
    }
  });

  it("ends a document whose last block keeps trailing newlines with ...", () => {
    expect(yamlOf("kept\n\n")).toBe("p:\n  r: |+\n    kept\n\n...\n");
    const outcomes = [fail("a", "r", "kept\n\n"), fail("b", "r", "plain")];
    expect(
      blockedMessage(POD, outcomes).endsWith("a:\n  r: |+\n    kept\n\nb:\n  r: plain\n"),
    ).toBe(true);
  });

  it("orders policies and rules the way yaml.v3 sorts keys", () => {
    const outcomes = ["p10", "p2", "_x", "Z", "p1"].map((p) => fail(p, "r", "m"));
    const text = blockedMessage(POD, outcomes);
    const policies = text.split("\n").filter((line) => /^\S.*:$/.test(line));
    expect(policies).toEqual(["_x:", "Z:", "p1:", "p2:", "p10:"]);
    expect(["rule10", "rule9", "rule-a", "1_", "1a"].sort(goYamlKeyOrder)).toEqual([
      "1a",
      "1_",
      "rule-a",
      "rule9",
      "rule10",
    ]);
  });

  it("writes a policy name over 128 bytes as an explicit key", () => {
    const long = `p${"x".repeat(130)}`;
    const text = blockedMessage(POD, [fail(long, "r1", "m1"), fail(long, "r2", "it's: x")]);
    expect(text.endsWith(`\n\n? ${long}\n: r1: m1\n  r2: 'it''s: x'\n`)).toBe(true);
  });
});

describe("warnings", () => {
  it("formats Kyverno's warning for each outcome marked warn", () => {
    const outcomes: RuleOutcome[] = [
      {
        policy: "check-images",
        rule: "verify",
        status: "fail",
        message: "no signatures found",
        warn: true,
      },
      { policy: "check-images", rule: "other", status: "fail", message: "not a warning" },
      {
        policy: "check-images",
        rule: "verify",
        status: "skip",
        message:
          "skipping image reference image ghcr.io/acme/app:v1, policy check-images ruleName verify",
        warn: true,
      },
    ];
    expect(warningMessages(outcomes)).toEqual([
      "policy check-images.verify: no signatures found",
      "policy check-images.verify: skipping image reference image ghcr.io/acme/app:v1, policy check-images ruleName verify",
    ]);
    expect(formatWarning({ policy: "p", rule: "r", message: "m" })).toBe("policy p.r: m");
  });
});
