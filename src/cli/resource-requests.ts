/**
 * Resource manifests as the API server would send them to the webhook: each
 * YAML or JSON document becomes a CREATE AdmissionRequest by a plain user,
 * decoded by the same decoder the webhook uses.
 */
import { type AdmissionRequest, decodeAdmissionReview } from "../admission/index.ts";
import { ImgverifyError } from "../errors.ts";
import { formatIssue, type PolicyFile } from "../policy/index.ts";
import { parseYamlFiles } from "../policy/yaml-documents.ts";
import type { CliErrorCode } from "./errors.ts";

/** One resource to admit, and where it came from. */
export interface ResourceRequest {
  /** `FILE#N` (N counts documents from 0). */
  readonly source: string;
  readonly request: AdmissionRequest;
}

/** Who `apply` says asks: an authenticated user with no roles. */
const APPLY_USER = { username: "imgverify-apply", groups: ["system:authenticated"] };

export function resourceRequests(files: readonly PolicyFile[]): ResourceRequest[] {
  const { documents, issues } = parseYamlFiles(files);
  if (issues.length > 0) throw resourceError(issues.map(formatIssue).join("\n"));
  return documents.map(({ file, index, value }) => {
    const source = `${file}#${index}`;
    return { source, request: requestFor(source, value) };
  });
}

function requestFor(source: string, object: unknown): AdmissionRequest {
  if (typeof object !== "object" || object === null || Array.isArray(object)) {
    throw resourceError(`${source}: a resource must be a mapping`);
  }
  const { apiVersion, kind, metadata } = object as Record<string, unknown>;
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

function resourceError(message: string, cause?: unknown): ImgverifyError<CliErrorCode> {
  return new ImgverifyError<CliErrorCode>("CLI_FILE_UNREADABLE", message, { cause });
}
