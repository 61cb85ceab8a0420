import type {
  AdmissionOperation,
  KindSelector,
  LabelExpression,
  LabelSelector,
  MatchResources,
  ResourceFilter,
  Subject,
} from "../match/match-types.ts";
import { FieldReader, type IssueSink } from "./reader.ts";

const RESOURCE_KEYS = [
  "kinds",
  "name",
  "names",
  "namespaces",
  "annotations",
  "selector",
  "namespaceSelector",
  "operations",
] as const;
const FILTER_KEYS = ["resources", "subjects", "roles", "clusterRoles"] as const;
const OPERATIONS: readonly AdmissionOperation[] = ["CREATE", "UPDATE", "DELETE", "CONNECT"];
const VERSION = /^(v\d+((alpha|beta)\d+)?|\*)$/;

/** Kyverno's `ParseKindSelector`: group/version/kind/subresource from `v1/Pod`, `Pod/exec`, `g/v/Kind.sub`... */
export function parseKindSelector(text: string): KindSelector | undefined {
  const slashParts = text.split("/");
  const last = slashParts.pop() ?? "";
  const parts = [...slashParts, ...last.split(".")];
  const make = (
    group: string,
    version: string,
    kind: string,
    subresource: string,
  ): KindSelector => ({
    text,
    group,
    version,
    kind,
    subresource,
  });
  const [a = "", b = "", c = "", d = ""] = parts;
  switch (parts.length) {
    case 1:
      return make("*", "*", a, "");
    case 2:
      if (a === "*" && b === "*") return make("*", "*", "*", "*");
      if (a === "*" && b.toLowerCase() === b) return make("*", "*", a, b);
      return VERSION.test(a) ? make("*", a, b, "") : make("*", "*", a, b);
    case 3:
      return VERSION.test(a) ? make("*", a, b, c) : make(a, b, c, "");
    case 4:
      return make(a, b, c, d);
    default:
      return undefined;
  }
}

export function parseSelector(r: FieldReader, key: string): LabelSelector | undefined {
  const s = r.object(key, ["matchLabels", "matchExpressions"]);
  if (s === undefined) return undefined;
  const matchExpressions = s
    .list("matchExpressions")
    .flatMap(({ value, path }): LabelExpression[] => {
      const e = FieldReader.of(value, path, r.sink, ["key", "operator", "values"]);
      if (e === undefined) return [];
      const exprKey = e.string("key", true);
      const operator = e.oneOf("operator", ["In", "NotIn", "Exists", "DoesNotExist"] as const);
      if (!e.has("operator")) e.issue("FIELD_REQUIRED", "operator", "is required");
      const values = e.stringList("values");
      const needsValues = operator === "In" || operator === "NotIn";
      if (operator !== undefined && needsValues !== values.length > 0) {
        e.issue(
          "FIELD_INVALID",
          "values",
          needsValues ? `must not be empty for ${operator}` : `must be empty for ${operator}`,
        );
      }
      return exprKey === undefined || operator === undefined
        ? []
        : [{ key: exprKey, operator, values }];
    });
  return { matchLabels: s.stringMap("matchLabels"), matchExpressions };
}

function parseSubjects(r: FieldReader): Subject[] {
  return r.list("subjects").flatMap(({ value, path }): Subject[] => {
    const s = FieldReader.of(value, path, r.sink, ["kind", "name", "namespace", "apiGroup"]);
    if (s === undefined) return [];
    const kind = s.oneOf("kind", ["User", "Group", "ServiceAccount"] as const);
    if (!s.has("kind")) s.issue("FIELD_REQUIRED", "kind", "is required");
    const name = s.string("name", true);
    const namespace = s.string("namespace", kind === "ServiceAccount");
    return kind === undefined || name === undefined ? [] : [{ kind, name, namespace }];
  });
}

function parseFilter(
  value: unknown,
  path: string,
  sink: IssueSink,
  legacyKeys: readonly string[],
): ResourceFilter | undefined {
  const r = FieldReader.of(value, path, sink, [...FILTER_KEYS, ...legacyKeys]);
  if (r === undefined) return undefined;
  const res = r.object("resources", RESOURCE_KEYS);
  const kinds = (res?.stringList("kinds") ?? []).flatMap((text, i) => {
    const kind = parseKindSelector(text);
    if (kind === undefined)
      res?.issue(
        "FIELD_INVALID",
        `kinds`,
        `kinds[${i}] "${text}" is not [group/]version/kind[/subresource]`,
      );
    return kind === undefined ? [] : [kind];
  });
  const operations = (res?.stringList("operations") ?? []).filter(
    (op, i): op is AdmissionOperation => {
      const ok = (OPERATIONS as readonly string[]).includes(op);
      if (!ok)
        res?.issue(
          "FIELD_INVALID",
          "operations",
          `operations[${i}] must be one of ${OPERATIONS.join(", ")}`,
        );
      return ok;
    },
  );
  const filter: ResourceFilter = {
    path,
    kinds,
    name: res?.string("name"),
    names: res?.stringList("names") ?? [],
    namespaces: res?.stringList("namespaces") ?? [],
    annotations: res?.stringMap("annotations") ?? {},
    selector: res === undefined ? undefined : parseSelector(res, "selector"),
    namespaceSelector: res === undefined ? undefined : parseSelector(res, "namespaceSelector"),
    operations,
    subjects: parseSubjects(r),
    roles: r.stringList("roles"),
    clusterRoles: r.stringList("clusterRoles"),
  };
  return filter;
}

/** True when the filter constrains nothing (Kyverno refuses an empty match). */
function isEmptyFilter(f: ResourceFilter): boolean {
  const lists = [f.kinds, f.names, f.namespaces, f.operations, f.subjects, f.roles, f.clusterRoles];
  return (
    lists.every((l) => l.length === 0) &&
    f.name === undefined &&
    Object.keys(f.annotations).length === 0 &&
    f.selector === undefined &&
    f.namespaceSelector === undefined
  );
}

/** `match` / `exclude`: `any` or `all` of filters, or the legacy direct form as one filter. */
export function parseMatchResources(
  value: unknown,
  path: string,
  sink: IssueSink,
): MatchResources | undefined {
  const r = FieldReader.of(value, path, sink, ["any", "all", ...FILTER_KEYS]);
  if (r === undefined) return undefined;
  if (r.has("any") && r.has("all"))
    r.issue("FIELD_INVALID", undefined, "use either any or all, not both");
  const legacy = FILTER_KEYS.some((k) => r.has(k));
  if (legacy && (r.has("any") || r.has("all"))) {
    r.issue(
      "FIELD_INVALID",
      undefined,
      "resources/subjects/roles directly under the block cannot be mixed with any/all",
    );
  }
  const mode = r.has("any") ? "any" : "all";
  const items = r.has("any") || r.has("all") ? r.list(mode) : [{ value, path, index: 0 }];
  // The legacy form re-reads the block itself as a filter; duplicate issues are merged by the loader.
  const extraKeys = legacy ? ["any", "all"] : [];
  const filters = items.flatMap(
    (item) => parseFilter(item.value, item.path, sink, extraKeys) ?? [],
  );
  if (filters.length === 0 || filters.some(isEmptyFilter)) {
    r.issue(
      "FIELD_REQUIRED",
      undefined,
      "must name at least one resource or user criterion in every filter",
    );
  }
  return { mode, filters };
}
