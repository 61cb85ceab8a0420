/**
 * `imgverify apply --policy FILE|DIR... --resource FILE... --json-payload FILE...`: the webhook's
 * engine run offline over resource manifests, against live registries, as
 * `kyverno apply` does: each resource is admitted as a CREATE and its verdict
 * printed, per policy, rule and image.
 */
import type { AdmissionEvaluation } from "../../engine/index.ts";
import { type Command, defineCommand } from "../command.ts";
import { EXIT_OK, type ExitCode, usageError } from "../errors.ts";
import type { FlagSpecs } from "../flags/args.ts";
import { offlineEngine } from "../offline-engine.ts";
import { type ResourceRequest, readPayloads, readResources } from "./apply-resources.ts";

const EXIT_DENIED: ExitCode = 1;

const flags = {
  policy: {
    type: "string",
    multiple: true,
    value: "FILE|DIR",
    description: "Kyverno policies (and the ConfigMaps their rules read). Repeatable.",
  },
  resource: {
    type: "string",
    multiple: true,
    value: "FILE",
    description: "Resource manifests, YAML or JSON, several documents each. Repeatable.",
  },
  "json-payload": {
    type: "string",
    multiple: true,
    value: "FILE",
    description:
      "JSON payloads (JSON or YAML, several documents each) for JSON-mode ImageValidatingPolicies. Repeatable.",
  },
  "trusted-root": {
    type: "string",
    value: "FILE",
    description: "A Sigstore trusted_root.json (default: the production root built in).",
  },
} as const satisfies FlagSpecs;

/** The `--json` answer for one resource. */
function jsonOf(resource: ResourceRequest, evaluation: AdmissionEvaluation): object {
  return {
    resource: resource.source,
    allowed: evaluation.allowed,
    ...(evaluation.message !== undefined && { message: evaluation.message }),
    warnings: evaluation.warnings,
    patch: evaluation.patch,
    results: evaluation.results.map(({ policy, rule, image, status, message }) => ({
      policy,
      rule,
      image,
      status,
      message,
    })),
  };
}

function textOf(resource: ResourceRequest, evaluation: AdmissionEvaluation): string {
  const { kind, namespace, name, payload } = resource.request;
  const what = payload ? "JSON payload" : `${kind.kind}/${namespace}/${name}`;
  const lines = [`${resource.source} ${what}: ${evaluation.allowed ? "allowed" : "denied"}`];
  for (const r of evaluation.results) {
    const subject = r.image === "" ? "" : ` ${r.image}`;
    const why = r.message === "" ? "" : `: ${r.message}`;
    lines.push(`  ${r.status} ${r.policy}/${r.rule}${subject}${why}`);
  }
  for (const warning of evaluation.warnings) lines.push(`  warning: ${warning}`);
  for (const op of evaluation.patch) {
    const value = "value" in op ? ` ${JSON.stringify(op.value)}` : "";
    lines.push(`  patch ${op.op} ${op.path}${value}`);
  }
  if (evaluation.message !== undefined) lines.push(evaluation.message.trim());
  return `${lines.join("\n")}\n`;
}

export const applyCommand: Command = defineCommand({
  name: "apply",
  summary: "Admit resource manifests through verifyImages policies, as the webhook would.",
  usage: "--policy FILE|DIR... (--resource FILE... | --json-payload FILE...)",
  details: `
Loads the policies as the webhook does (ConfigMaps beside them serve rule
context), then admits each document of each --resource file as a CREATE by
an authenticated user, resolving and verifying its images against the live
registries. A kind: List document (what 'kubectl get -o yaml' prints) stands
for its items, each admitted on its own (FILE#N.items[I]), as kubectl apply
reads it. A resource without a namespace is put in "default". Each
--json-payload document is checked by the JSON-mode ImageValidatingPolicies
only (Kyverno's apply --json), as "FILE#N JSON payload". Each resource
has --timeout (default 30s) unless its policies set webhookTimeoutSeconds.

Prints, per resource, allowed or denied, then one line per policy, rule and
image (pass, fail, skip or error, and why), the warnings, the patch that pins
verified digests, and Kyverno's message when denied. With --json, one JSON
object per line and resource: {"resource", "allowed", "message", "warnings",
"patch", "results": [{"policy", "rule", "image", "status", "message"}]}.

Exit 0 when every resource is allowed, 1 when any is denied, 2 on usage
errors, unreadable or refused policy files, and unreadable resources.`,
  flags,
  async run({ io, flags: f, positionals, global }) {
    if (positionals.length > 0) {
      throw usageError(`unexpected argument "${positionals[0]}"`, "apply");
    }
    if (f.policy.length === 0) throw usageError("apply needs --policy", "apply");
    if (f.resource.length === 0 && f["json-payload"].length === 0) {
      throw usageError("apply needs --resource or --json-payload", "apply");
    }
    const [context, resources, payloads] = await Promise.all([
      offlineEngine(io, global, f.policy, f["trusted-root"], "apply"),
      readResources(io, f.resource, "apply"),
      readPayloads(io, f["json-payload"], "apply"),
    ]);
    const { evaluateAdmission } = await import("../../engine/index.ts");
    let denied = false;
    for (const resource of [...resources, ...payloads]) {
      const evaluation = await evaluateAdmission(resource.request, context);
      denied ||= !evaluation.allowed;
      io.stdout(
        global.json
          ? `${JSON.stringify(jsonOf(resource, evaluation))}\n`
          : textOf(resource, evaluation),
      );
    }
    return denied ? EXIT_DENIED : EXIT_OK;
  },
});
