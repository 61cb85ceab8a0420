/**
 * The Kubernetes AdmissionReview v1 boundary of imgverify: decoding requests
 * (every bad field listed), encoding answers (bounded warnings, base64 JSON
 * patches), the container images of an object the way Kyverno finds them,
 * the patches Kyverno's verifyImages writes (digest pins, the verify-images
 * annotations) and its denial and warning texts. Pure: no I/O.
 */
export { type DecodedBody, decodeAdmissionBody, MAX_BODY_LENGTH } from "./body.ts";
export { decodeAdmissionReview, uidOf } from "./decode.ts";
export {
  AdmissionError,
  type AdmissionErrorCode,
  type AdmissionErrorDetails,
  type AdmissionIssue,
  isAdmissionError,
} from "./errors.ts";
export type { FoundImage, ImageLocator } from "./image-walk.ts";
export {
  CONTAINER_LISTS,
  type ContainerList,
  type ExtractedImage,
  type ExtractOptions,
  extractImages,
  type ImageExtraction,
  type ImageExtractors,
  type ImageProblem,
  imageLocators,
  imagesVariable,
  MAX_IMAGES,
  POD_SPEC_FIELDS,
  parseImage,
} from "./images.ts";
export { matchInput, resourceIdentity, subjectObject } from "./match-input.ts";
export {
  blockedMessage,
  formatWarning,
  type ResourceIdentity,
  type RuleOutcome,
  type RuleStatus,
  warningMessages,
} from "./messages.ts";
export { digestPinPatch } from "./patch/digest-pin.ts";
export {
  applyJsonPatch,
  type JsonPatchOperation,
  jsonEqual,
  MAX_PATCH_OPERATIONS,
} from "./patch/json-patch.ts";
export { escapePointerToken, formatPointer, parsePointer } from "./patch/json-pointer.ts";
export {
  type ImageVerificationRecord,
  type ImageVerificationStatus,
  parseVerifyImages,
  parseVerifyImagesScoped,
  type ScopedStatusMap,
  VERIFY_IMAGES_ANNOTATION,
  VERIFY_IMAGES_SCOPED_ANNOTATION,
  verifyImagesAnnotationPatches,
} from "./patch/verify-annotation.ts";
export {
  type AdmissionAnswer,
  type AdmissionResponseBody,
  type AdmissionReviewResponse,
  type AdmissionStatus,
  boundWarnings,
  encodeAdmissionResponse,
  MAX_MESSAGE_LENGTH,
  MAX_PATCH_BYTES,
  MAX_WARNING_LENGTH,
  MAX_WARNINGS,
  MAX_WARNINGS_LENGTH,
} from "./response.ts";
export * from "./review-types.ts";
