import { digestProblem } from "../../oci/index.ts";
import { AdmissionError } from "../errors.ts";
import type { ExtractedImage } from "../images.ts";
import { quote } from "../text.ts";
import type { JsonPatchOperation } from "./json-patch.ts";

/**
 * `mutateDigest`: the image string at its path becomes the same string with
 * `@digest` appended, so what runs is what was verified while the registry,
 * repository and tag read as the user wrote them. An image that already
 * names a digest is left alone (undefined).
 */
export function digestPinPatch(
  image: Pick<ExtractedImage, "path" | "image" | "info">,
  digest: string,
): (JsonPatchOperation & { readonly op: "replace"; readonly value: string }) | undefined {
  if (image.info.digest !== "") return undefined;
  const problem = digestProblem(digest);
  if (problem !== undefined) {
    throw new AdmissionError(
      "PATCH_INVALID",
      `cannot pin image ${quote(image.image)} at ${image.path} to ${quote(digest)}: ${problem}`,
    );
  }
  return { op: "replace", path: image.path, value: `${image.image}@${digest}` };
}
