import type { AdmissionIssue } from "./errors.ts";
import type { JsonObject } from "./review-types.ts";

/**
 * Field readers that record a problem with its path and carry on, so one
 * decode lists every bad field of a review at once.
 */

/** Issues kept per decode: enough to fix a review, bounded against hostile bodies. */
export const MAX_ISSUES = 50;

export class IssueList {
  readonly issues: AdmissionIssue[] = [];
  dropped = 0;

  add(path: string, message: string): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ path, message });
    else this.dropped += 1;
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Sets an own, enumerable property: a "__proto__" key stays a plain key (assignment would not). */
export function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** The own property `key` of `object`: inherited ones ("constructor", "__proto__") read as absent. */
export function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** `parent.key`, `parent[2]`, or `parent["app.kubernetes.io/name"]` for keys that are not identifiers. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === "" ? key : `${parent}.${key}`;
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Reads the fields of one JSON object at `path`, reporting to `issues`. */
export class FieldReader {
  constructor(
    readonly value: JsonObject,
    readonly path: string,
    readonly issues: IssueList,
  ) {}

  at(key: string): string {
    return childPath(this.path, key);
  }

  /** A string field; "" when absent and not `required`. `nonEmpty` also refuses "". */
  string(key: string, rule: { required?: boolean; nonEmpty?: boolean } = {}): string {
    const value = own(this.value, key);
    if (value === undefined || value === null) {
      if (rule.required) this.issues.add(this.at(key), "is required");
      return "";
    }
    if (typeof value !== "string") {
      this.issues.add(this.at(key), `must be a string, not ${describeValue(value)}`);
      return "";
    }
    if (value === "" && rule.nonEmpty) this.issues.add(this.at(key), "must not be empty");
    return value;
  }

  /** An object field (null counts as absent); undefined when absent or not an object. */
  object(key: string, required = false): JsonObject | undefined {
    const value = own(this.value, key);
    if (value === undefined || value === null) {
      if (required) this.issues.add(this.at(key), "is required");
      return undefined;
    }
    if (!isObject(value)) {
      this.issues.add(this.at(key), `must be an object, not ${describeValue(value)}`);
      return undefined;
    }
    return value;
  }

  /** A reader over an object field, or undefined. */
  child(key: string, required = false): FieldReader | undefined {
    const value = this.object(key, required);
    return value === undefined ? undefined : new FieldReader(value, this.at(key), this.issues);
  }

  boolean(key: string): boolean {
    const value = own(this.value, key);
    if (value === undefined || value === null) return false;
    if (typeof value !== "boolean") {
      this.issues.add(this.at(key), `must be true or false, not ${describeValue(value)}`);
      return false;
    }
    return value;
  }

  /** A list of strings; [] when absent. */
  strings(key: string): string[] {
    const value = own(this.value, key);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.issues.add(this.at(key), `must be a list of strings, not ${describeValue(value)}`);
      return [];
    }
    return value.filter((item, index): item is string => {
      if (typeof item === "string") return true;
      this.issues.add(
        childPath(this.at(key), index),
        `must be a string, not ${describeValue(item)}`,
      );
      return false;
    });
  }

  /** A map of string to string (labels, annotations); {} when absent. */
  stringMap(key: string): Record<string, string> {
    const map = this.object(key) ?? {};
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(map)) {
      if (typeof value === "string") setOwn(out, name, value);
      else
        this.issues.add(
          childPath(this.at(key), name),
          `must be a string, not ${describeValue(value)}`,
        );
    }
    return out;
  }

  /** A map of string to list of strings (userInfo.extra); {} when absent. */
  stringListMap(key: string): Record<string, string[]> {
    const map = this.child(key);
    const out: Record<string, string[]> = {};
    for (const name of Object.keys(map?.value ?? {})) {
      if (map !== undefined) setOwn(out, name, map.strings(name));
    }
    return out;
  }
}
