import { type ImageReference, parseReference } from "../oci/index.ts";
import {
  type ImageExtractor,
  imageVariable,
  type KyvernoImageInfo,
  kyvernoImageInfo,
} from "../policy/index.ts";
import { derivedValues } from "../store/ttl-cache.ts";
import { isObject, setOwn } from "./fields.ts";
import { type FoundImage, type ImageLocator, type ImageProblem, walkImages } from "./image-walk.ts";

export type { ImageProblem };

/**
 * The container images of an object, found where Kyverno looks: the pod spec
 * of a Pod and the pod template of its controllers (what autogen rules
 * check), or a rule's `imageExtractors` for other kinds.
 */
export type ContainerList = "initContainers" | "containers" | "ephemeralContainers";
/** Kyverno's order. */
export const CONTAINER_LISTS: readonly ContainerList[] = [
  "initContainers",
  "containers",
  "ephemeralContainers",
];

const POD_SPEC = ["spec"];
const TEMPLATE_SPEC = ["spec", "template", "spec"];
/** Where each kind keeps its pod spec. */
export const POD_SPEC_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Pod: POD_SPEC,
  DaemonSet: TEMPLATE_SPEC,
  Deployment: TEMPLATE_SPEC,
  Job: TEMPLATE_SPEC,
  ReplicaSet: TEMPLATE_SPEC,
  ReplicationController: TEMPLATE_SPEC,
  StatefulSet: TEMPLATE_SPEC,
  CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** An image to verify. */
export interface ExtractedImage {
  /** `containers`, `initContainers` or `ephemeralContainers`; for imageExtractors the extractor's name ("custom" by default). */
  readonly group: string;
  /** The container name (the extractor's `key` field); the JSON pointer when an extractor has no key. */
  readonly name: string;
  /** JSON pointer of the image string, e.g. `/spec/template/spec/containers/0/image`. */
  readonly path: string;
  /** As written in the object. */
  readonly image: string;
  /** Kyverno's view, which `imageReferences` globs match (`docker.io/nginx:latest`). */
  readonly info: KyvernoImageInfo;
  /** The registry's view, what is fetched (`docker.io/library/nginx:latest`). */
  readonly reference: ImageReference;
  readonly pullSecrets: readonly string[];
}

export interface ImageExtraction {
  /** At most MAX_IMAGES, in order. */
  readonly images: readonly ExtractedImage[];
  /** Every image the object names, read or not: over MAX_IMAGES, the object cannot be verified. */
  readonly found: number;
  /** Images that could not be read (bad reference, odd field types), each at its path. */
  readonly problems: readonly ImageProblem[];
}

export type ImageExtractors = Readonly<Record<string, readonly ImageExtractor[]>>;

export interface ExtractOptions {
  /** The object's kind; defaults to its `kind` field. */
  readonly kind?: string;
  /** A rule's `imageExtractors`: for a kind named there they replace the built-in places. */
  readonly imageExtractors?: ImageExtractors;
}

/** Images read from one object; an object with more is refused whole (see `found`). */
export const MAX_IMAGES = 1024;

/**
 * The images of `object`, each parsed, in Kyverno's order (init containers,
 * containers, ephemeral containers); unreadable ones are problems, so one
 * bad container does not hide the others.
 */
export function extractImages(object: unknown, options: ExtractOptions = {}): ImageExtraction {
  const kind =
    options.kind ?? (isObject(object) && typeof object.kind === "string" ? object.kind : "");
  const images: ExtractedImage[] = [];
  const problems: ImageProblem[] = [];
  let count = 0;
  const extractors = options.imageExtractors;
  const locators = imageLocators(kind, extractors);
  if (extractors !== undefined && Object.hasOwn(extractors, kind) && locators.length === 0) {
    problems.push({ path: "", message: `imageExtractors for ${kind} is empty` });
  }
  const report = (problem: ImageProblem): void => {
    if (problems.length < MAX_IMAGES) problems.push(problem);
  };
  const sink = {
    found(found: FoundImage): void {
      count += 1;
      if (count > MAX_IMAGES) return;
      const parsed = parseImage(found);
      if ("message" in parsed) report(parsed);
      else images.push(parsed);
    },
    problem: report,
  };
  for (const locator of locators) walkImages(object, locator, sink);
  return { images, found: count, problems };
}

/** Where images of `kind` are: the rule's extractors for it, else the pod spec lists; [] for other kinds. */
export function imageLocators(kind: string, extractors?: ImageExtractors): ImageLocator[] {
  if (extractors !== undefined && Object.hasOwn(extractors, kind)) {
    return (extractors[kind] ?? []).map(customLocator);
  }
  if (!Object.hasOwn(POD_SPEC_FIELDS, kind)) return [];
  const spec = POD_SPEC_FIELDS[kind] ?? [];
  return CONTAINER_LISTS.map((list) => ({
    group: list,
    fields: [...spec, list, "*"],
    value: "image",
    key: "name",
    jmesPath: undefined,
  }));
}

// Kyverno: the path's last segment is the image field unless `value` names it.
function customLocator(extractor: ImageExtractor): ImageLocator {
  const fields = extractor.path
    .split("/")
    .map((f) => f.trim())
    .filter((f) => f !== "");
  const value = extractor.value || fields.pop() || "";
  return {
    group: extractor.name || "custom",
    fields,
    value,
    key: extractor.key || undefined,
    jmesPath: extractor.jmesPath || undefined,
  };
}

interface ParsedImage {
  readonly reference: ImageReference;
  readonly info: KyvernoImageInfo;
}

/**
 * Image strings parsed before: a workload's images come back on every
 * admission, and the text alone decides the parse. Both parts are frozen,
 * as every admission of the image shares them.
 */
const parsedImages = derivedValues<ParsedImage>(4096, 4 * 1024 * 1024);

function parsed(image: string): ParsedImage {
  let known = parsedImages.get(image);
  if (known === undefined) {
    known = Object.freeze({
      reference: Object.freeze(parseReference(image)),
      info: Object.freeze(kyvernoImageInfo(image)),
    });
    parsedImages.set(image, known);
  }
  return known;
}

/** An image found by other means (a CEL extractor), parsed as those read from objects are. */
export function parseImage(found: FoundImage): ExtractedImage | ImageProblem {
  try {
    return { ...found, ...parsed(found.image) };
  } catch (err) {
    return { path: found.path, image: found.image, message: (err as Error).message };
  }
}

/**
 * Kyverno's `images` variable: `images.<group>.<name>` is the image's info
 * with its `jsonPointer` and `imagePullSecrets`. Groups without images are
 * left out; a repeated name keeps the last image, as in Kyverno's map.
 */
export function imagesVariable(
  images: readonly ExtractedImage[],
): Record<string, Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const image of images) {
    const group = Object.hasOwn(out, image.group) ? out[image.group] : undefined;
    const entries = group ?? {};
    if (group === undefined) setOwn(out, image.group, entries);
    const entry = {
      ...imageVariable(image.info, image.path),
      imagePullSecrets: [...image.pullSecrets],
    };
    setOwn(entries, image.name, entry);
  }
  return out;
}
