import { checkExpressions } from "../conditions/expressions.ts";
import type { FailureAction, IgnoredRule, ImageExtractor, VerifyImagesRule } from "../types.ts";
import { parsePreconditions } from "./parse-conditions.ts";
import { parseContext } from "./parse-context.ts";
import { parseMatchResources } from "./parse-match.ts";
import { parseImageVerification } from "./parse-verification.ts";
import { FieldReader, type IssueSink, isMapping } from "./reader.ts";

const OTHER_TYPES = ["validate", "mutate", "generate", "verifyManifests"] as const;
const KEYS = [
  "name",
  "context",
  "reportProperties",
  "match",
  "exclude",
  "imageExtractors",
  "preconditions",
  "celPreconditions",
  "verifyImages",
  "skipBackgroundRequests",
  ...OTHER_TYPES,
] as const;

export type ParsedRule =
  | { readonly type: "verifyImages"; readonly rule: VerifyImagesRule }
  | { readonly type: "ignored"; readonly rule: IgnoredRule };

export interface RuleScope {
  readonly policyNamespace: string | undefined;
  readonly policyAction: FailureAction;
}

function parseExtractors(r: FieldReader): Record<string, ImageExtractor[]> {
  const block = r.raw("imageExtractors");
  if (block === undefined) return {};
  if (!isMapping(block)) {
    r.issue("FIELD_INVALID", "imageExtractors", "must be a mapping of kind to extractors");
    return {};
  }
  const out: Record<string, ImageExtractor[]> = {};
  const kinds = FieldReader.of(block, r.at("imageExtractors"), r.sink, Object.keys(block));
  for (const kind of Object.keys(block)) {
    out[kind] = (kinds?.list(kind) ?? []).flatMap(({ value, path }) => {
      const e = FieldReader.of(value, path, r.sink, ["path", "value", "name", "key", "jmesPath"]);
      const p = e?.string("path", true);
      if (e === undefined || p === undefined) return [];
      if (!p.startsWith("/"))
        e.issue("FIELD_INVALID", "path", "must be a slash-separated path starting with /");
      return [
        {
          path: p,
          value: e.string("value"),
          name: e.string("name"),
          key: e.string("key"),
          jmesPath: e.string("jmesPath"),
        },
      ];
    });
  }
  return out;
}

// Kyverno: Enforce if any entry enforces, else the first entry's own action, else the policy's.
function ruleAction(rawEntries: unknown, policyAction: FailureAction): FailureAction {
  const actions = (Array.isArray(rawEntries) ? rawEntries : []).map((e) =>
    isMapping(e) ? e.failureAction : undefined,
  );
  if (actions.includes("Enforce")) return "Enforce";
  return actions.includes("Audit") ? "Audit" : policyAction;
}

/** One rule: a typed verifyImages rule, or a note that a rule of another type is not run. */
export function parseRule(
  value: unknown,
  path: string,
  sink: IssueSink,
  scope: RuleScope,
): ParsedRule | undefined {
  const r = FieldReader.of(value, path, sink, KEYS);
  if (r === undefined) return undefined;
  const name = r.string("name", true);
  if (name !== undefined && name.length > 63)
    r.issue("FIELD_INVALID", "name", "must be at most 63 characters");
  const types = [...OTHER_TYPES, "verifyImages" as const].filter((t) => r.has(t));
  if (types.length !== 1) {
    r.issue(
      types.length === 0 ? "FIELD_REQUIRED" : "FIELD_INVALID",
      undefined,
      "a rule has exactly one of verifyImages, validate, mutate, generate or verifyManifests",
    );
  }
  const [other] = OTHER_TYPES.filter((t) => r.has(t));
  if (other !== undefined && !r.has("verifyImages")) {
    return name === undefined ? undefined : { type: "ignored", rule: { name, path, type: other } };
  }
  r.refuse(
    "celPreconditions",
    "CEL preconditions are not supported by imgverify; use preconditions",
  );
  checkExpressions(value, path, sink);
  const match = parseMatchResources(r.raw("match"), r.at("match"), sink);
  if (!r.has("match")) r.issue("FIELD_REQUIRED", "match", "is required");
  const exclude = r.has("exclude")
    ? parseMatchResources(r.raw("exclude"), r.at("exclude"), sink)
    : undefined;
  const entries = r.list("verifyImages");
  if (entries.length === 0)
    r.issue("FIELD_REQUIRED", "verifyImages", "at least one entry is required");
  const verifyImages = entries.flatMap(
    ({ value: v, path: p }) => parseImageVerification(v, p, sink, scope.policyAction) ?? [],
  );
  const context = parseContext(r, scope.policyNamespace);
  const preconditions = parsePreconditions(r.raw("preconditions"), r.at("preconditions"), sink);
  const imageExtractors = parseExtractors(r);
  if (name === undefined || match === undefined) return undefined;
  const rule: VerifyImagesRule = {
    name,
    path,
    autogen: undefined,
    match,
    exclude,
    kinds: match.filters.flatMap((f) => f.kinds.map((k) => k.text)),
    context,
    preconditions,
    imageExtractors,
    verifyImages,
    failureAction: ruleAction(r.raw("verifyImages"), scope.policyAction),
    skipBackgroundRequests: r.boolean("skipBackgroundRequests", true),
    reportProperties: r.stringMap("reportProperties"),
  };
  return { type: "verifyImages", rule };
}
