/**
 * Reads a JSON request body as text, refusing before reading what it must:
 * a content type other than `application/json` (415), a declared or actual
 * length over the bound (413; the stream is cancelled at the first byte too
 * many, whatever Content-Length claimed), and bytes that are not UTF-8 (400).
 * Behind a listener that frames bodies by their Content-Length (every
 * runtime's HTTP server: it never hands on more, and refuses a length beside
 * chunked encoding) a declared length within the bound is read whole,
 * without a JavaScript stream, which can cost more than the answer itself.
 */

import { concatBytes } from "../encoding/bytes.ts";

export type BodyErrorCode = "UNSUPPORTED_MEDIA_TYPE" | "PAYLOAD_TOO_LARGE" | "BAD_REQUEST";

export type BodyRead =
  | { readonly ok: true; readonly text: string }
  | {
      readonly ok: false;
      readonly status: 400 | 413 | 415;
      readonly code: BodyErrorCode;
      readonly message: string;
    };

/** `application/json`, with at most a `charset=utf-8` parameter (RFC 8259 section 8.1). */
export function isJsonContentType(value: string | null): boolean {
  if (value === null) return false;
  const [type, ...params] = value.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return params.every((p) => p === "" || /^charset=("?)utf-8\1$/.test(p));
}

export interface BodyReadOptions {
  /** The request came from a listener that delivers no more body than its Content-Length declares. */
  readonly framed?: boolean;
}

export async function readJsonBody(
  request: Request,
  maxBytes: number,
  options: BodyReadOptions = {},
): Promise<BodyRead> {
  const type = request.headers.get("content-type");
  if (!isJsonContentType(type)) {
    return refused(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      type === null
        ? "the request has no Content-Type; send application/json"
        : `the Content-Type is ${JSON.stringify(type.slice(0, 100))}; send application/json`,
    );
  }
  const tooLarge = refused(413, "PAYLOAD_TOO_LARGE", `the body is over ${maxBytes} bytes`);
  const declared = request.headers.get("content-length");
  const length = declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined;
  if (length !== undefined && length > maxBytes) return tooLarge;
  if (options.framed && length !== undefined && !request.headers.has("transfer-encoding")) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    return bytes.byteLength > maxBytes ? tooLarge : utf8Text(bytes);
  }
  if (request.body === null) return { ok: true, text: "" };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Not awaited: a peer that stopped sending must not hold the answer back.
      reader.cancel().catch(() => {});
      return tooLarge;
    }
    chunks.push(value);
  }
  return utf8Text(concatBytes(chunks, size));
}

function utf8Text(bytes: Uint8Array): BodyRead {
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return refused(400, "BAD_REQUEST", "the body is not valid UTF-8");
  }
}

function refused(status: 400 | 413 | 415, code: BodyErrorCode, message: string): BodyRead {
  return { ok: false, status, code, message };
}
