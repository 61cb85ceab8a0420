import { AdmissionError } from "./errors.ts";
import { describeValue, FieldReader, IssueList, isObject } from "./fields.ts";
import {
  ADMISSION_API_VERSION,
  ADMISSION_OPERATIONS,
  type AdmissionOperation,
  type AdmissionRequest,
  type GroupVersionKind,
  type GroupVersionResource,
  type JsonObject,
  type UserInfo,
} from "./review-types.ts";
import { quote, truncate } from "./text.ts";

/**
 * Reads an AdmissionReview v1 request (already parsed JSON) into a typed
 * `AdmissionRequest`, or throws `REVIEW_INVALID` listing every bad field.
 */
export function decodeAdmissionReview(body: unknown): AdmissionRequest {
  const issues = new IssueList();
  if (!isObject(body)) {
    issues.add("", `an AdmissionReview is a JSON object, not ${describeValue(body)}`);
    throw invalidReview(issues, undefined);
  }
  const review = new FieldReader(body, "", issues);
  checkEnvelope(review);
  const fields = review.child("request", true);
  const request = fields === undefined ? undefined : readRequest(fields);
  const uid = uidOf(body.request);
  if (issues.issues.length > 0 || request === undefined) throw invalidReview(issues, uid);
  return request;
}

/** The `request.uid` of a parsed body, when it has a usable one. */
export function uidOf(request: unknown): string | undefined {
  const uid = isObject(request) ? request.uid : undefined;
  return typeof uid === "string" && uid !== "" ? uid : undefined;
}

function checkEnvelope(review: FieldReader): void {
  const apiVersion = review.string("apiVersion", { required: true });
  if (apiVersion !== "" && apiVersion !== ADMISSION_API_VERSION) {
    review.issues.add(
      "apiVersion",
      `is ${quote(apiVersion)}; imgverify reads ${ADMISSION_API_VERSION} only (set admissionReviewVersions: ["v1"] in the webhook configuration)`,
    );
  }
  const kind = review.string("kind", { required: true });
  if (kind !== "" && kind !== "AdmissionReview") {
    review.issues.add("kind", `is ${quote(kind)}, not "AdmissionReview"`);
  }
}

// undefined when the operation is unusable (the issue is already recorded).
function readRequest(r: FieldReader): AdmissionRequest | undefined {
  const uid = r.string("uid", { required: true, nonEmpty: true });
  const kind = readKind(r.child("kind", true));
  const resource = readResource(r.child("resource", true));
  const subResource = r.string("subResource");
  const requestKind = optional(r.child("requestKind"), readKind);
  const requestResource = optional(r.child("requestResource"), readResource);
  const requestSubResource = r.string("requestSubResource");
  const name = r.string("name");
  const namespace = r.string("namespace");
  const operation = readOperation(r);
  const userInfo = readUserInfo(r.child("userInfo", true));
  const object = r.object("object", operation === "CREATE" || operation === "UPDATE");
  const oldObject = r.object("oldObject");
  checkMetadata(object, r.at("object"), r.issues);
  checkMetadata(oldObject, r.at("oldObject"), r.issues);
  const dryRun = r.boolean("dryRun");
  const options = r.object("options");
  if (operation === undefined) return undefined;
  return {
    uid,
    kind,
    resource,
    subResource,
    requestKind,
    requestResource,
    requestSubResource,
    name,
    namespace,
    operation,
    userInfo,
    object,
    oldObject,
    dryRun,
    options,
  };
}

function optional<T>(fields: FieldReader | undefined, read: (f: FieldReader) => T): T | undefined {
  return fields === undefined ? undefined : read(fields);
}

function readOperation(r: FieldReader): AdmissionOperation | undefined {
  const operation = r.string("operation", { required: true });
  if (operation === "") return undefined;
  if ((ADMISSION_OPERATIONS as readonly string[]).includes(operation)) {
    return operation as AdmissionOperation;
  }
  r.issues.add(
    r.at("operation"),
    `is ${quote(operation)}, not one of ${ADMISSION_OPERATIONS.join(", ")}`,
  );
  return undefined;
}

function readKind(r: FieldReader | undefined): GroupVersionKind {
  return {
    group: r?.string("group") ?? "",
    version: r?.string("version", { required: true, nonEmpty: true }) ?? "",
    kind: r?.string("kind", { required: true, nonEmpty: true }) ?? "",
  };
}

function readResource(r: FieldReader | undefined): GroupVersionResource {
  return {
    group: r?.string("group") ?? "",
    version: r?.string("version", { required: true, nonEmpty: true }) ?? "",
    resource: r?.string("resource", { required: true, nonEmpty: true }) ?? "",
  };
}

function readUserInfo(r: FieldReader | undefined): UserInfo {
  return {
    username: r?.string("username") ?? "",
    uid: r?.string("uid") ?? "",
    groups: r?.strings("groups") ?? [],
    extra: r?.stringListMap("extra") ?? {},
  };
}

// The metadata fields imgverify reads (names, labels, annotations) must have their API types.
function checkMetadata(object: JsonObject | undefined, path: string, issues: IssueList): void {
  const metadata = object && new FieldReader(object, path, issues).child("metadata");
  if (metadata === undefined) return;
  for (const key of ["name", "generateName", "namespace"]) metadata.string(key);
  metadata.stringMap("labels");
  metadata.stringMap("annotations");
}

function invalidReview(issues: IssueList, uid: string | undefined): AdmissionError {
  const lines = issues.issues.map((i) => `${i.path === "" ? "(body)" : i.path}: ${i.message}`);
  if (issues.dropped > 0) lines.push(`... and ${issues.dropped} more`);
  const subject = uid === undefined ? "AdmissionReview" : `AdmissionReview ${truncate(uid, 120)}`;
  return new AdmissionError("REVIEW_INVALID", `invalid ${subject}:\n  ${lines.join("\n  ")}`, {
    issues: issues.issues,
    ...(uid !== undefined && { uid }),
  });
}
