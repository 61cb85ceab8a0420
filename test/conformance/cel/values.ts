/**
 * The conformance suite's values (cel.expr.Value messages) as CEL inputs for
 * bindings, and the comparison of a result with the expected value: exact in
 * type (`1`, `1u` and `1.0` differ), maps in any order, NaN equal to NaN.
 */
import type { CelInput, CelValue } from "@bufbuild/cel";
import { celUint, isCelList, isCelMap, isCelType, isCelUint } from "@bufbuild/cel";
import type { Value } from "@bufbuild/cel-spec/cel/expr/value_pb.js";
import { equals, type Registry } from "@bufbuild/protobuf";
import { isReflectMessage } from "@bufbuild/protobuf/reflect";
import { anyUnpack } from "@bufbuild/protobuf/wkt";

export function celInputOf(value: Value, registry: Registry): CelInput {
  const kind = value.kind;
  switch (kind.case) {
    case "nullValue":
      return null;
    case "uint64Value":
      return celUint(kind.value);
    case "enumValue":
      return BigInt(kind.value.value);
    case "objectValue":
      return unpack(kind.value, registry);
    case "listValue":
      return kind.value.values.map((element) => celInputOf(element, registry));
    case "mapValue":
      return new Map(
        kind.value.entries.map((entry) => [
          celInputOf(required(entry.key), registry) as string,
          celInputOf(required(entry.value), registry),
        ]),
      );
    case "typeValue":
    case undefined:
      throw new Error(`unsupported binding: ${kind.case}`);
    default:
      return kind.value;
  }
}

/** True when `actual` is `expected`, type for type. */
export function matchesValue(actual: CelValue, expected: Value, registry: Registry): boolean {
  const kind = expected.kind;
  switch (kind.case) {
    case "nullValue":
      return actual === null;
    case "boolValue":
    case "int64Value":
    case "stringValue":
      return actual === kind.value;
    case "uint64Value":
      return isCelUint(actual) && actual.value === kind.value;
    case "enumValue":
      return actual === BigInt(kind.value.value);
    case "doubleValue":
      return (
        typeof actual === "number" &&
        (actual === kind.value || (Number.isNaN(actual) && Number.isNaN(kind.value)))
      );
    case "bytesValue":
      return actual instanceof Uint8Array && sameBytes(actual, kind.value);
    case "typeValue":
      return isCelType(actual) && actual.name === kind.value;
    case "listValue": {
      const expectedElements = kind.value.values;
      if (!isCelList(actual) || actual.size !== expectedElements.length) return false;
      return [...actual].every((element, i) =>
        matchesValue(element, expectedElements[i] as Value, registry),
      );
    }
    case "mapValue": {
      if (!isCelMap(actual) || actual.size !== kind.value.entries.length) return false;
      const entries = [...actual.entries()];
      return kind.value.entries.every((entry) =>
        entries.some(
          ([key, value]) =>
            matchesValue(key, required(entry.key), registry) &&
            matchesValue(value, required(entry.value), registry),
        ),
      );
    }
    case "objectValue": {
      const message = unpack(kind.value, registry);
      if (!isReflectMessage(actual) || actual.desc.typeName !== message.$typeName) return false;
      return equals(actual.desc, actual.message, message, { registry, unpackAny: true });
    }
    default:
      return false;
  }
}

function unpack(any: Parameters<typeof anyUnpack>[0], registry: Registry) {
  const message = anyUnpack(any, registry);
  if (message === undefined) throw new Error(`unknown message type: ${any.typeUrl}`);
  return message;
}

function required<T>(field: T | undefined): T {
  if (field === undefined) throw new Error("a map entry without its key or value");
  return field;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
