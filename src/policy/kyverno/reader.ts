import type { PolicyIssue, PolicyIssueCode } from "../errors.ts";

/**
 * Reads an untyped YAML/JSON mapping field by field, recording every problem
 * with its exact path instead of stopping at the first, so a load lists all
 * bad fields at once.
 */

export type IssueSink = (code: PolicyIssueCode, path: string, message: string) => void;

/** Collects issues, once each; `sink` is handed to readers. */
export function collectIssues(): { issues: PolicyIssue[]; sink: IssueSink } {
  const issues: PolicyIssue[] = [];
  const seen = new Set<string>();
  const sink: IssueSink = (code, path, message) => {
    const key = `${code}\u0000${path}\u0000${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    issues.push({ code, path, message });
  };
  return { issues, sink };
}

/** `parent.key`, or `parent["key"]` for keys that are not plain identifiers. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  const segment = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (parent === "") return segment;
  return segment.startsWith("[") ? `${parent}${segment}` : `${parent}.${segment}`;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "a list" : `a ${typeof value}`;
}

export class FieldReader {
  readonly path: string;
  readonly sink: IssueSink;
  private readonly fields: Record<string, unknown>;

  /** Reads `value` as a mapping with the `known` keys; any other key is reported as unknown. */
  static of(
    value: unknown,
    path: string,
    sink: IssueSink,
    known: readonly string[],
  ): FieldReader | undefined {
    if (!isMapping(value)) {
      sink("FIELD_INVALID", path, `must be a mapping, not ${typeName(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) sink("FIELD_UNKNOWN", childPath(path, key), "unknown field");
    }
    return new FieldReader(value, path, sink);
  }

  private constructor(fields: Record<string, unknown>, path: string, sink: IssueSink) {
    this.fields = fields;
    this.path = path;
    this.sink = sink;
  }

  at(key: string | number): string {
    return childPath(this.path, key);
  }

  /** Present and not null. */
  has(key: string): boolean {
    return this.fields[key] !== undefined && this.fields[key] !== null;
  }

  raw(key: string): unknown {
    return this.has(key) ? this.fields[key] : undefined;
  }

  issue(code: PolicyIssueCode, key: string | number | undefined, message: string): void {
    this.sink(code, key === undefined ? this.path : this.at(key), message);
  }

  /** Reports `key` as a feature imgverify refuses, when it is set. */
  refuse(key: string, reason: string): void {
    if (this.has(key)) this.issue("UNSUPPORTED_FEATURE", key, reason);
  }

  string(key: string, required = false): string | undefined {
    const value = this.raw(key);
    if (value === undefined || value === "") {
      if (required) this.issue("FIELD_REQUIRED", key, "is required");
      return undefined;
    }
    if (typeof value === "string") return value;
    this.issue("FIELD_INVALID", key, `must be a string, not ${typeName(value)}`);
    return undefined;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined || typeof value === "boolean") return value ?? fallback;
    this.issue("FIELD_INVALID", key, `must be true or false, not ${typeName(value)}`);
    return fallback;
  }

  integer(key: string, min: number, max: number): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) {
      return value;
    }
    this.issue("FIELD_INVALID", key, `must be an integer from ${min} to ${max}`);
    return undefined;
  }

  /** One of `allowed`, compared after `normalise` (e.g. Kyverno's lower-case aliases). */
  oneOf<T extends string>(
    key: string,
    allowed: readonly T[],
    aliases: Record<string, T> = {},
  ): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    const found = allowed.find((a) => a === value) ?? aliases[value];
    if (found === undefined)
      this.issue("FIELD_INVALID", key, `must be one of ${allowed.join(", ")}`);
    return found;
  }

  stringList(key: string): string[] {
    return this.list(key).flatMap(({ value, path }) => {
      if (typeof value === "string") return [value];
      this.sink("FIELD_INVALID", path, `must be a string, not ${typeName(value)}`);
      return [];
    });
  }

  stringMap(key: string): Record<string, string> {
    const value = this.raw(key);
    if (value === undefined) return {};
    if (!isMapping(value)) {
      this.issue("FIELD_INVALID", key, `must be a mapping of strings, not ${typeName(value)}`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "string") out[k] = v;
      else this.sink("FIELD_INVALID", childPath(this.at(key), k), "must be a string");
    }
    return out;
  }

  /** A nested mapping read with its own known keys. */
  object(key: string, known: readonly string[]): FieldReader | undefined {
    return this.has(key)
      ? FieldReader.of(this.fields[key], this.at(key), this.sink, known)
      : undefined;
  }

  /** The items of a list field with their paths; a non-list is reported. */
  list(key: string): { value: unknown; path: string; index: number }[] {
    const value = this.raw(key);
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.issue("FIELD_INVALID", key, `must be a list, not ${typeName(value)}`);
      return [];
    }
    return value.map((item, index) => ({
      value: item,
      path: childPath(this.at(key), index),
      index,
    }));
  }
}
