import type { OciError, OciErrorCode } from "../errors.ts";
import { type Operation, opError } from "../operation.ts";
import { readBody } from "./body.ts";

/**
 * Turns an error response into an `OciError`: our `code` from the HTTP
 * status where it has a meaning of its own (401, 403, 404, 429), else from
 * the Distribution error code of the JSON body (`{"errors":[{"code":...}]}`)
 * where it is one we know; the registry's own code travels along as
 * `registryCode`. The status wins because the body is the registry's to
 * choose: a 401 calling itself MANIFEST_UNKNOWN is still a refusal.
 */

const ERROR_BODY_LIMIT = 64 * 1024;
const SHOWN_TEXT = 300;

const BY_REGISTRY_CODE: Readonly<Record<string, OciErrorCode>> = {
  MANIFEST_UNKNOWN: "NOT_FOUND",
  NAME_UNKNOWN: "NOT_FOUND",
  BLOB_UNKNOWN: "NOT_FOUND",
  UNAUTHORIZED: "UNAUTHORIZED",
  DENIED: "DENIED",
  TOOMANYREQUESTS: "RATE_LIMITED",
};

const BY_STATUS: Readonly<Record<number, OciErrorCode>> = {
  401: "UNAUTHORIZED",
  403: "DENIED",
  404: "NOT_FOUND",
  429: "RATE_LIMITED",
};

const SUMMARY: Readonly<Partial<Record<OciErrorCode, string>>> = {
  NOT_FOUND: "not found",
  UNAUTHORIZED: "authentication failed",
  DENIED: "access denied",
  RATE_LIMITED: "rate limited",
};

/**
 * `request` names what was sent, e.g. `GET https://ghcr.io/v2/a/b/manifests/v1`;
 * `note` adds why the client gave up, e.g. after retries.
 */
export async function errorFromResponse(
  op: Operation,
  res: Response,
  request: string,
  note?: string,
): Promise<OciError> {
  const { registryCode, text } = await describeBody(res, op);
  // Own names only: the registry chooses `registryCode`.
  const known = registryCode !== undefined && Object.hasOwn(BY_REGISTRY_CODE, registryCode);
  const code =
    BY_STATUS[res.status] ??
    (known ? BY_REGISTRY_CODE[registryCode] : undefined) ??
    "REGISTRY_ERROR";
  const summary = SUMMARY[code] ?? "registry error";
  const codeText = registryCode ? ` ${registryCode}` : "";
  const bodyText = text ? ` (${text})` : "";
  const noteText = note ? `; ${note}` : "";
  return opError(
    op,
    code,
    `${summary}: ${request} answered HTTP ${res.status}${codeText}${bodyText}${noteText}`,
    { status: res.status, ...(registryCode !== undefined && { registryCode }) },
  );
}

async function describeBody(
  res: Response,
  op: Operation,
): Promise<{ registryCode: string | undefined; text: string | undefined }> {
  let raw: string;
  try {
    const bytes = await readBody(res, op, { what: "error body", maxBytes: ERROR_BODY_LIMIT });
    raw = new TextDecoder().decode(bytes);
  } catch {
    return { registryCode: undefined, text: undefined };
  }
  const errors = distributionErrors(raw);
  const first = errors?.[0];
  if (first) {
    const text = errors
      .map((e) => e.message)
      .filter(Boolean)
      .join("; ");
    return { registryCode: first.code, text: shorten(text) };
  }
  const plain = res.headers.get("content-type")?.startsWith("text/plain") ? raw : "";
  return { registryCode: undefined, text: shorten(plain) };
}

function distributionErrors(raw: string): { code: string; message: string }[] | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    const list = (parsed as { errors?: unknown } | null)?.errors;
    if (!Array.isArray(list)) return undefined;
    return list.flatMap((entry: unknown) => {
      const { code, message } = (entry ?? {}) as { code?: unknown; message?: unknown };
      return typeof code === "string"
        ? [{ code: code.toUpperCase(), message: typeof message === "string" ? message : "" }]
        : [];
    });
  } catch {
    return undefined;
  }
}

function shorten(text: string): string | undefined {
  const flat = text.replace(/\s+/g, " ").trim();
  if (!flat) return undefined;
  return flat.length > SHOWN_TEXT ? `${flat.slice(0, SHOWN_TEXT)}...` : flat;
}
