import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as reference from "../../../src/oci/reference.ts";
import {
  formatReference,
  type ImageReference,
  parseReference,
} from "../../../src/oci/reference.ts";
import { FUZZ_SEED, fuzzOptions, outcome } from "./support.ts";

const CODES = ["REFERENCE_INVALID", "DIGEST_UNSUPPORTED"];

const alnum = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789".split(""));
const word = (max: number) => fc.string({ unit: alnum, minLength: 1, maxLength: max });

const label = fc
  .tuple(word(6), fc.option(fc.tuple(fc.constantFrom("-", "--"), word(4)), { nil: undefined }))
  .map(([head, tail]) => (tail === undefined ? head : `${head}${tail[0]}${tail[1]}`));
// A host with a dot or a port is a registry host in the Docker grammar.
const registryArb = fc
  .tuple(
    fc.array(label, { minLength: 2, maxLength: 3 }),
    fc.option(fc.integer({ min: 1, max: 65535 })),
  )
  .filter(([labels, port]) => labels.join(".") !== "index.docker.io" && port !== 443)
  .map(([labels, port]) => `${labels.join(".")}${port === null ? "" : `:${port}`}`);
const separator = fc.constantFrom(".", "_", "__", "-", "---");
const component = fc
  .tuple(word(8), fc.option(fc.tuple(separator, word(6)), { nil: undefined }))
  .map(([head, tail]) => (tail === undefined ? head : `${head}${tail[0]}${tail[1]}`));
const repositoryArb = fc.array(component, { minLength: 1, maxLength: 4 }).map((c) => c.join("/"));
const tagArb = fc.stringMatching(/^[\w][\w.-]{0,40}$/);
const digestArb = fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`);

const referenceArb: fc.Arbitrary<ImageReference> = fc
  .record({
    registry: registryArb,
    repository: repositoryArb,
    tag: fc.option(tagArb, { nil: undefined }),
    digest: fc.option(digestArb, { nil: undefined }),
  })
  .filter((r) => r.registry.length + 1 + r.repository.length <= 255)
  .map((r) => ({ ...r, tag: r.tag ?? (r.digest === undefined ? "latest" : undefined) }));

// Strings near the grammar: its alphabet, its separators and hostile pieces.
const nearReference = fc
  .array(
    fc.oneof(
      fc.constantFrom("/", ":", "@", ".", "-", "_", "[", "]", "::1", "sha256:", "localhost", "A"),
      fc.constantFrom("docker.io", "index.docker.io", "GHCR.IO", ":443", "library/", "__proto__"),
      word(5),
      fc.string({ maxLength: 3 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(""));

describe(`image reference parser properties (seed ${FUZZ_SEED})`, { timeout: 30_000 }, () => {
  it("parse(format(ref)) is ref for generated valid references", () => {
    fc.assert(
      fc.property(referenceArb, (ref) => {
        const parsed = outcome(() => parseReference(formatReference(ref)), []);
        expect({ ...parsed }).toEqual(ref);
      }),
      fuzzOptions(400),
    );
  });

  it("a parsed reference formats to a string that parses to itself", () => {
    fc.assert(
      fc.property(fc.oneof(nearReference, fc.string({ maxLength: 80 })), (input) => {
        const parsed = outcome(() => parseReference(input), CODES);
        if (parsed instanceof Error) return;
        const again = outcome(() => parseReference(formatReference(parsed)), []);
        expect(again).toEqual(parsed);
      }),
      fuzzOptions(500),
    );
  });

  it("arbitrary and long strings parse or throw REFERENCE_INVALID quickly", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 200 }),
          fc.string({ maxLength: 2000 }),
          fc.constantFrom("a".repeat(5000), `${"a-".repeat(600)}a`, `x/${"a.".repeat(500)}b`),
        ),
        (input) => {
          outcome(() => parseReference(input), CODES);
        },
      ),
      fuzzOptions(300),
    );
  });

  // The host normaliser, when this tree has one: idempotent, and every result parses.
  const normalise = (reference as Record<string, unknown>).normaliseReference as
    | ((input: string) => unknown)
    | undefined;
  it.skipIf(normalise === undefined)("normaliseReference is idempotent on parseable input", () => {
    const run = normalise as (input: string) => ImageReference;
    fc.assert(
      fc.property(fc.oneof(nearReference, referenceArb.map(formatReference)), (input) => {
        const once = outcome(() => run(input), CODES);
        if (once instanceof Error) return;
        const twice = outcome(() => run(formatReference(once)), []);
        expect({ ...twice }).toEqual({ ...once });
      }),
      fuzzOptions(400),
    );
  });
});
