import type { MatchInput } from "../policy/index.ts";
import { isObject } from "./fields.ts";
import type { ResourceIdentity } from "./messages.ts";
import type { AdmissionRequest, JsonObject } from "./review-types.ts";

/**
 * What policies see of a request: the object the rules apply to (the new
 * one, or the stored one on DELETE), its metadata, and who asked.
 */

/** The object rules are evaluated on: `object`, or `oldObject` for DELETE. */
export function subjectObject(request: AdmissionRequest): JsonObject | undefined {
  return request.operation === "DELETE" ? request.oldObject : (request.object ?? request.oldObject);
}

/** The facts `matchRule` needs; namespace labels and roles are for the caller to add when it has them. */
export function matchInput(
  request: AdmissionRequest,
  extra: Pick<MatchInput, "namespaceLabels" | "roles" | "clusterRoles"> = {},
): MatchInput {
  const metadata = metadataOf(subjectObject(request));
  return {
    group: request.kind.group,
    version: request.kind.version,
    kind: request.kind.kind,
    ...(request.subResource !== "" && { subresource: request.subResource }),
    name: metadata.name || metadata.generateName || request.name,
    namespace: request.namespace,
    labels: metadata.labels,
    annotations: metadata.annotations,
    operation: request.operation,
    userInfo: { username: request.userInfo.username, groups: request.userInfo.groups },
    ...extra,
  };
}

/**
 * The object as Kyverno names it in messages: its `kind` and metadata
 * (the request's namespace and name when the object leaves them out).
 */
export function resourceIdentity(request: AdmissionRequest): ResourceIdentity {
  const object = subjectObject(request);
  const metadata = metadataOf(object);
  return {
    kind: typeof object?.kind === "string" ? object.kind : request.kind.kind,
    namespace: metadata.namespace || request.namespace,
    name: metadata.name || request.name,
  };
}

interface Metadata {
  readonly name: string;
  readonly generateName: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

// The decoder has checked these fields' types; absent ones read as empty.
function metadataOf(object: JsonObject | undefined): Metadata {
  const metadata = isObject(object?.metadata) ? object.metadata : {};
  const text = (key: string): string =>
    typeof metadata[key] === "string" ? (metadata[key] as string) : "";
  const map = (key: string): Readonly<Record<string, string>> =>
    isObject(metadata[key]) ? (metadata[key] as Readonly<Record<string, string>>) : {};
  return {
    name: text("name"),
    generateName: text("generateName"),
    namespace: text("namespace"),
    labels: map("labels"),
    annotations: map("annotations"),
  };
}
