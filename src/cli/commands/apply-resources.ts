/**
 * Resource manifests as the API server would send them to the webhook: each
 * YAML or JSON document becomes a CREATE AdmissionRequest by a plain user,
 * decoded by the same decoder the webhook uses. A `kind: List` document (what
 * `kubectl get -o yaml` prints) stands for its `items`, as `kubectl apply`
 * and `kyverno apply` read it.
 */
import { type AdmissionRequest, decodeAdmissionReview } from "../../admission/index.ts";
import { ImgverifyError } from "../../errors.ts";
import { formatIssue, type PolicyFile } from "../../policy/index.ts";
import { parseYamlFiles } from "../../policy/kyverno/yaml-documents.ts";
import type { CliErrorCode } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { manifestPaths, readTextFiles } from "../policy-files.ts";

/** One resource to admit, and where it came from. */
export interface ResourceRequest {
  /** `FILE#N` (N counts documents from 0), `FILE#N.items[I]` for an item of a List. */
  readonly source: string;
  readonly request: AdmissionRequest;
}

/** Who `apply` says asks: an authenticated user with no roles. */
const APPLY_USER = { username: "imgverify-apply", groups: ["system:authenticated"] };

/** Items one List may hold: each is admitted against live registries. */
export const MAX_LIST_ITEMS: number = 10_000;

/** The resources in the files and folders `args` name. */
export async function readResources(
  io: CliIo,
  args: readonly string[],
  command: string,
): Promise<ResourceRequest[]> {
  return resourceRequests(await readTextFiles(io, await manifestPaths(io, args, command)));
}

export function resourceRequests(files: readonly PolicyFile[]): ResourceRequest[] {
  const { documents, issues } = parseYamlFiles(files);
  if (issues.length > 0) throw resourceError(issues.map(formatIssue).join("\n"));
  return documents.flatMap(({ file, index, value }) => {
    const source = `${file}#${index}`;
    const items = listItems(source, value);
    if (items === undefined) return [{ source, request: requestFor(source, value) }];
    const implied = impliedItemType(value as Record<string, unknown>);
    return items.map((item, i) => {
      const itemSource = `${source}.items[${i}]`;
      if (listItems(itemSource, item) !== undefined) {
        throw resourceError(`${itemSource}: a List inside a List is not a resource`);
      }
      const typed = isMapping(item) && implied !== undefined ? { ...implied, ...item } : item;
      return { source: itemSource, request: requestFor(itemSource, typed) };
    });
  });
}

/** A typed list's items may leave out apiVersion and kind (the API does): `PodList` implies `Pod`. */
function impliedItemType(list: Record<string, unknown>): Record<string, string> | undefined {
  const { apiVersion, kind } = list;
  if (kind === "List" || typeof kind !== "string" || typeof apiVersion !== "string")
    return undefined;
  return { apiVersion, kind: kind.slice(0, -"List".length) };
}

/**
 * The items of a `kind: List` document, or of a typed list (`PodList`, as the
 * API answers a list call) that has them; undefined for any other document.
 */
function listItems(source: string, value: unknown): readonly unknown[] | undefined {
  if (!isMapping(value) || typeof value.kind !== "string") return undefined;
  const { kind, items } = value;
  const typedList = kind.endsWith("List") && Array.isArray(items);
  if (kind !== "List" && !typedList) return undefined;
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) throw resourceError(`${source}: a List's items must be a sequence`);
  if (items.length > MAX_LIST_ITEMS) {
    throw resourceError(`${source}: a List of ${items.length} items; at most ${MAX_LIST_ITEMS}`);
  }
  return items;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requestFor(source: string, object: unknown): AdmissionRequest {
  if (!isMapping(object)) throw resourceError(`${source}: a resource must be a mapping`);
  const { apiVersion, kind, metadata } = object;
  if (
    typeof apiVersion !== "string" ||
    apiVersion === "" ||
    typeof kind !== "string" ||
    kind === ""
  ) {
    throw resourceError(`${source}: a resource needs apiVersion and kind`);
  }
  const meta =
    typeof metadata === "object" && metadata !== null ? (metadata as Record<string, unknown>) : {};
  const name = typeof meta.name === "string" ? meta.name : "";
  // Like `kubectl apply`, a resource without a namespace goes to "default".
  const namespace =
    typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : "default";
  const slash = apiVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  try {
    return decodeAdmissionReview({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: `imgverify-apply-${source}`,
        kind: { group, version, kind },
        resource: { group, version, resource: `${kind.toLowerCase()}s` },
        name,
        namespace,
        operation: "CREATE",
        userInfo: APPLY_USER,
        object: { ...object, metadata: { ...meta, namespace } },
      },
    });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw resourceError(`${source}: not a resource imgverify can admit: ${detail}`, err);
  }
}

/** The JSON payloads in the files `args` name, for JSON-mode ImageValidatingPolicies. */
export async function readPayloads(
  io: CliIo,
  args: readonly string[],
  command: string,
): Promise<ResourceRequest[]> {
  const files = await readTextFiles(io, await manifestPaths(io, args, command));
  const { documents, issues } = parseYamlFiles(files);
  if (issues.length > 0) throw resourceError(issues.map(formatIssue).join("\n"));
  return documents.map(({ file, index, value }) => {
    const source = `${file}#${index}`;
    if (!isMapping(value)) throw resourceError(`${source}: a JSON payload must be an object`);
    return { source, request: payloadRequest(source, value) };
  });
}

function payloadRequest(source: string, object: Record<string, unknown>): AdmissionRequest {
  const none = { group: "", version: "" };
  return {
    uid: `imgverify-apply-${source}`,
    kind: { ...none, kind: "" },
    resource: { ...none, resource: "" },
    subResource: "",
    requestKind: undefined,
    requestResource: undefined,
    requestSubResource: "",
    name: "",
    namespace: "",
    operation: "CREATE",
    userInfo: { ...APPLY_USER, uid: "", extra: {} },
    object,
    oldObject: undefined,
    dryRun: false,
    options: undefined,
    payload: true,
  };
}

function resourceError(message: string, cause?: unknown): ImgverifyError<CliErrorCode> {
  return new ImgverifyError<CliErrorCode>("CLI_FILE_UNREADABLE", message, { cause });
}
