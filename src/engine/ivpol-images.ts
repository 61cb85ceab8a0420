/**
 * The images an ImageValidatingPolicy sees: Kyverno's pod spec lists
 * (`containers`, `initContainers`, `ephemeralContainers`), then the policy's
 * `images` extractors, each a CEL expression giving a list of image strings,
 * an extractor replacing the list of its name. An image that cannot be read
 * fails the policy, as it fails a ClusterPolicy rule: what is skipped here
 * would be admitted unverified.
 */
import { type ExtractedImage, extractImages, MAX_IMAGES, parseImage } from "../admission/index.ts";
import { ImgverifyError } from "../errors.ts";
import type { CelImagePolicy } from "../policy/index.ts";
import { engineError } from "./errors.ts";

export interface CelImages {
  /** `images.<name>`: each list's image strings, as the CEL sees them. */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** Every distinct image of the lists, parsed, in order. */
  readonly images: readonly ExtractedImage[];
}

const POD_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;

/** The images of `object` for `cel`; throws `IMAGE_INVALID`, `TOO_MANY_IMAGES` or the CEL's error. */
export function celImages(
  cel: Pick<CelImagePolicy, "imageExtractors">,
  object: unknown,
  kind: string,
  bindings: Readonly<Record<string, unknown>>,
): CelImages {
  const replaced = new Set(cel.imageExtractors.map((e) => e.name));
  const groups: Record<string, string[]> = Object.fromEntries(
    POD_LISTS.filter((list) => !replaced.has(list)).map((list) => [list, []]),
  );
  const found = new Map<string, ExtractedImage>();
  const extraction = extractImages(object, { kind, imageExtractors: {} });
  let count = extraction.found;
  const [problem] = extraction.problems;
  if (problem !== undefined) {
    throw engineError("IMAGE_INVALID", `image at ${problem.path}: ${problem.message}`);
  }
  for (const image of extraction.images) {
    if (replaced.has(image.group)) continue;
    groups[image.group]?.push(image.image);
    if (!found.has(image.image)) found.set(image.image, image);
  }
  for (const extractor of cel.imageExtractors) {
    const value = extractor.program.evaluate(bindings);
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
      throw new ImgverifyError(
        "CEL_FAILED",
        `${extractor.path}.expression: must give a list of image strings`,
      );
    }
    count += value.length;
    if (count > MAX_IMAGES) break;
    groups[extractor.name] = value;
    value.forEach((image, index) => {
      if (found.has(image)) return;
      const path = `${extractor.path} (${extractor.name}[${index}])`;
      const parsed = parseImage({
        group: extractor.name,
        name: String(index),
        path,
        image,
        pullSecrets: [],
      });
      if ("message" in parsed)
        throw engineError("IMAGE_INVALID", `image at ${path}: ${parsed.message}`);
      found.set(image, parsed);
    });
  }
  if (count > MAX_IMAGES) {
    throw engineError(
      "TOO_MANY_IMAGES",
      `the ${kind} names ${count} images; imgverify verifies at most ${MAX_IMAGES} per object`,
    );
  }
  return { groups, images: [...found.values()] };
}
