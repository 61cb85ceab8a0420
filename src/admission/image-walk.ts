import { jmesSearch } from "../policy/index.ts";
import { describeValue, isObject, own } from "./fields.ts";
import { formatPointer } from "./patch/json-pointer.ts";

/**
 * Kyverno's image extractor walk (pkg/utils/api/image.go): follow `fields`
 * from the object root, `*` standing for every entry of a list or object;
 * at the end, the `value` field holds the image and the `key` field names it.
 * Kyverno stops the whole rule at the first odd value; here each one is a
 * problem at its own path and the walk goes on.
 */
export interface ImageLocator {
  /** The group in Kyverno's `images` variable: a container list, or the extractor's name. */
  readonly group: string;
  readonly fields: readonly string[];
  readonly value: string;
  /** The field naming each image; without one, the image's JSON pointer names it. */
  readonly key: string | undefined;
  /** A JMESPath that turns the found string into the image reference. */
  readonly jmesPath: string | undefined;
}

export interface FoundImage {
  readonly group: string;
  readonly name: string;
  /** JSON pointer of the image string. */
  readonly path: string;
  readonly image: string;
  /** Names from `imagePullSecrets` met on the way. */
  readonly pullSecrets: readonly string[];
}

export interface ImageProblem {
  readonly path: string;
  /** The image string, when the problem is with it. */
  readonly image?: string;
  readonly message: string;
}

export interface WalkSink {
  found(image: FoundImage): void;
  problem(problem: ImageProblem): void;
}

export function walkImages(object: unknown, locator: ImageLocator, sink: WalkSink): void {
  step(object, [], locator.fields, []);

  function step(
    value: unknown,
    path: readonly (string | number)[],
    fields: readonly string[],
    secrets: readonly string[],
  ): void {
    if (value === undefined || value === null) return;
    const [field, ...rest] = fields;
    if (field === "*") {
      if (Array.isArray(value)) value.forEach((item, i) => step(item, [...path, i], rest, secrets));
      else if (isObject(value)) {
        for (const [key, item] of Object.entries(value)) step(item, [...path, key], rest, secrets);
      } else {
        const found = describeValue(value);
        sink.problem({
          path: formatPointer(path),
          message: `expected a list or an object, found ${found}`,
        });
      }
      return;
    }
    if (!isObject(value)) {
      sink.problem({
        path: formatPointer(path),
        message: `expected an object, found ${describeValue(value)}`,
      });
      return;
    }
    const withSecrets = [...secrets, ...pullSecretNames(own(value, "imagePullSecrets"))];
    if (field === undefined) leaf(value, path, withSecrets);
    else step(own(value, field), [...path, field], rest, withSecrets);
  }

  function leaf(
    entry: Readonly<Record<string, unknown>>,
    path: readonly (string | number)[],
    pullSecrets: readonly string[],
  ): void {
    const pointer = formatPointer([...path, locator.value]);
    const name = locator.key === undefined ? pointer : own(entry, locator.key);
    if (typeof name !== "string") {
      const where = formatPointer([...path, locator.key ?? ""]);
      const problem =
        name === undefined ? "is missing" : `must be a string, not ${describeValue(name)}`;
      sink.problem({ path: where, message: `the image's name field "${locator.key}" ${problem}` });
      return;
    }
    const written = own(entry, locator.value);
    // Kyverno passes over an absent or blank image (a container still being written).
    if (typeof written !== "string" || written.trim() === "") return;
    const image = locator.jmesPath === undefined ? written : viaJmesPath(written, pointer);
    if (image !== undefined)
      sink.found({ group: locator.group, name, path: pointer, image, pullSecrets });
  }

  function viaJmesPath(written: string, pointer: string): string | undefined {
    const expression = locator.jmesPath ?? "@";
    try {
      const result = jmesSearch(expression, written);
      if (typeof result === "string") return result;
      sink.problem({
        path: pointer,
        image: written,
        message: `jmesPath "${expression}" gave ${describeValue(result)}, not a string`,
      });
    } catch (err) {
      sink.problem({ path: pointer, image: written, message: (err as Error).message });
    }
    return undefined;
  }
}

function pullSecretNames(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry) =>
    isObject(entry) && typeof entry.name === "string" ? [entry.name] : [],
  );
}
