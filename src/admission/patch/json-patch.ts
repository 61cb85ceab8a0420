import { AdmissionError } from "../errors.ts";
import { isObject, setOwn } from "../fields.ts";
import { quote } from "../text.ts";
import { parsePointer } from "./json-pointer.ts";

/**
 * JSON Patch (RFC 6902), the subset admission webhooks emit: `add`,
 * `replace`, `remove` and `test`. Applying is for tests and the `apply`
 * command, which show the object Kubernetes would store.
 */
export type JsonPatchOperation =
  | { readonly op: "add" | "replace" | "test"; readonly path: string; readonly value: unknown }
  | { readonly op: "remove"; readonly path: string };

export const MAX_PATCH_OPERATIONS = 10_000;

type Container = Record<string, unknown> | unknown[];

/** A copy of `document` with `patch` applied; `PATCH_FAILED` names the operation that could not be. */
export function applyJsonPatch(document: unknown, patch: readonly JsonPatchOperation[]): unknown {
  if (patch.length > MAX_PATCH_OPERATIONS) {
    throw new AdmissionError(
      "PATCH_FAILED",
      `a patch of more than ${MAX_PATCH_OPERATIONS} operations`,
    );
  }
  let root = structuredClone(document);
  patch.forEach((operation, index) => {
    const fail = (problem: string): never => {
      throw new AdmissionError(
        "PATCH_FAILED",
        `patch operation ${index} (${operation.op} ${quote(operation.path)}): ${problem}`,
      );
    };
    const tokens = parsePointer(operation.path);
    const last = tokens.pop();
    if (last === undefined) {
      if (operation.op === "remove") fail("cannot remove the whole document");
      if (operation.op === "test") {
        if (!jsonEqual(root, operation.value)) fail("the document differs");
        return;
      }
      root = structuredClone("value" in operation ? operation.value : undefined);
      return;
    }
    const parent = resolve(root, tokens, fail);
    applyAt(parent, last, operation, fail);
  });
  return root;
}

function resolve(root: unknown, tokens: readonly string[], fail: (p: string) => never): Container {
  let current = root;
  for (const token of tokens) {
    const container = asContainer(current, fail);
    const key = Array.isArray(container) ? arrayIndex(container, token, false, fail) : token;
    if (!Object.hasOwn(container, key)) fail(`"${token}" does not exist`);
    current = (container as Record<string | number, unknown>)[key];
  }
  return asContainer(current, fail);
}

function asContainer(value: unknown, fail: (p: string) => never): Container {
  return Array.isArray(value) || isObject(value)
    ? (value as Container)
    : fail("a path runs through a value that is not an object or list");
}

function arrayIndex(
  list: unknown[],
  token: string,
  forAdd: boolean,
  fail: (p: string) => never,
): number {
  if (forAdd && token === "-") return list.length;
  const limit = forAdd ? list.length : list.length - 1;
  if (!/^(0|[1-9]\d{0,8})$/.test(token) || Number(token) > limit) {
    fail(`"${token}" is not an index of a list of ${list.length}`);
  }
  return Number(token);
}

function applyAt(
  parent: Container,
  token: string,
  operation: JsonPatchOperation,
  fail: (p: string) => never,
): void {
  const value = "value" in operation ? structuredClone(operation.value) : undefined;
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, token, operation.op === "add", fail);
    if (operation.op === "add") parent.splice(index, 0, value);
    else if (operation.op === "remove") parent.splice(index, 1);
    else if (operation.op === "replace") parent[index] = value;
    else if (!jsonEqual(parent[index], value)) fail("the value differs");
    return;
  }
  const exists = Object.hasOwn(parent, token);
  if (operation.op !== "add" && !exists) fail(`"${token}" does not exist`);
  if (operation.op === "remove") delete parent[token];
  else if (operation.op === "test") {
    if (!jsonEqual(parent[token], value)) fail("the value differs");
  } else {
    setOwn(parent, token, value);
  }
}

/** Deep equality of JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (!isObject(a) || !isObject(b) || Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]))
  );
}
