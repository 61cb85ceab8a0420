/**
 * The errors of reading an object through the Kubernetes API: one code per
 * thing an operator does about it (run in a pod, fix the token, grant RBAC,
 * look at the API server), and messages that name the object and, for a
 * refusal, the grant that is missing.
 */
import { ImgverifyError, reasonOf } from "../errors.ts";

/**
 * `KUBE_NOT_IN_CLUSTER`: no service account or API address (not running in a pod).
 * `KUBE_UNAUTHORIZED`: the API refused the token (401).
 * `KUBE_FORBIDDEN`: the service account lacks RBAC to get the object (403).
 * `KUBE_API_ERROR`: any other answer that is neither the object nor 404.
 * `KUBE_RESPONSE_INVALID`, `KUBE_RESPONSE_TOO_LARGE`: the answer cannot be used.
 * `KUBE_TIMEOUT`, `KUBE_UNREACHABLE`: no answer in time, or no connection (TLS included).
 */
export type KubeErrorCode =
  | "KUBE_NOT_IN_CLUSTER"
  | "KUBE_UNAUTHORIZED"
  | "KUBE_FORBIDDEN"
  | "KUBE_API_ERROR"
  | "KUBE_RESPONSE_INVALID"
  | "KUBE_RESPONSE_TOO_LARGE"
  | "KUBE_TIMEOUT"
  | "KUBE_UNREACHABLE";

/** A Kubernetes Status message is a line; longer ones are cut in error messages. */
const MAX_STATUS_MESSAGE = 300;

export function kubeError(
  code: KubeErrorCode,
  message: string,
  cause?: unknown,
): ImgverifyError<KubeErrorCode> {
  return new ImgverifyError(code, message, { cause });
}

/** A fetch that threw: the timeout told apart from a connection that failed. */
export function unreachableError(
  what: string,
  url: string,
  err: unknown,
  timeoutMs: number,
): ImgverifyError<KubeErrorCode> {
  const name = (err as { name?: unknown }).name;
  if (name === "TimeoutError" || name === "AbortError") {
    return kubeError(
      "KUBE_TIMEOUT",
      `reading ${what}: the Kubernetes API did not answer within ${timeoutMs} ms`,
      err,
    );
  }
  return kubeError(
    "KUBE_UNREACHABLE",
    `reading ${what}: cannot reach the Kubernetes API at ${url}: ${reasonOf(err)}`,
    err,
  );
}

/** The `message` of a Kubernetes Status body, cut to a line. */
function statusMessage(body: unknown): string {
  const message =
    typeof body === "object" && body !== null ? (body as { message?: unknown }).message : undefined;
  if (typeof message !== "string" || message === "") return "";
  const cut =
    message.length > MAX_STATUS_MESSAGE ? `${message.slice(0, MAX_STATUS_MESSAGE)}...` : message;
  return ` (${cut})`;
}

/** What an answer other than 200 or 404 means; a 403 names the `resource` to grant "get" on. */
export function statusError(
  status: number,
  body: unknown,
  what: string,
  resource: string,
  namespace: string,
): ImgverifyError<KubeErrorCode> {
  const detail = statusMessage(body);
  if (status === 401) {
    return kubeError(
      "KUBE_UNAUTHORIZED",
      `reading ${what}: the Kubernetes API refused the service account token (401)${detail}`,
    );
  }
  if (status === 403) {
    return kubeError(
      "KUBE_FORBIDDEN",
      `reading ${what} is forbidden for imgverify's service account: grant it "get" on "${resource}" in namespace "${namespace}" (a Role and RoleBinding there, or a ClusterRole and ClusterRoleBinding)${detail}`,
    );
  }
  return kubeError(
    "KUBE_API_ERROR",
    `reading ${what}: the Kubernetes API answered HTTP ${status}${detail}`,
  );
}
