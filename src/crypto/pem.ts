/**
 * PEM (RFC 7468) blocks: text between blocks is allowed and ignored, as policy
 * YAML often carries comments or several keys in one field. Blocks with headers
 * (legacy encrypted PEM) are refused: they never hold public material.
 */
import { encodeBase64 } from "../encoding/base64.ts";
import { cryptoError } from "./errors.ts";

/** Text larger than this is refused before any parsing (a CA bundle is ~200 KiB). */
export const MAX_PEM_TEXT_CHARS: number = 4 * 1024 * 1024;
/** At most this many blocks in one text. */
export const MAX_PEM_BLOCKS = 1000;
/** One block's DER at most (certificates are a few KiB). */
export const MAX_PEM_BLOCK_BYTES: number = 64 * 1024;

export interface PemBlock {
  /** The label of the BEGIN line, e.g. "PUBLIC KEY", "CERTIFICATE". */
  readonly label: string;
  readonly der: Uint8Array;
}

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----$/;
const END = /^-----END ([A-Z0-9 ]+)-----$/;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Every block in `text`, in order; `what` names the input in error messages. */
export function decodePem(text: string, what: string): PemBlock[] {
  if (typeof text !== "string") throw cryptoError("PEM_INVALID", `${what}: expected PEM text`);
  if (text.length > MAX_PEM_TEXT_CHARS) {
    throw cryptoError(
      "PEM_INVALID",
      `${what}: ${text.length} characters, over ${MAX_PEM_TEXT_CHARS}`,
    );
  }
  const blocks: PemBlock[] = [];
  let label: string | undefined;
  let body: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trim();
    const where = `${what}, line ${index + 1}`;
    if (label === undefined) {
      const begin = BEGIN.exec(line);
      if (begin !== null) {
        label = begin[1] as string;
        body = [];
      } else if (line.startsWith("-----")) {
        throw cryptoError("PEM_INVALID", `${where}: "${line}" outside a BEGIN/END block`);
      }
      continue;
    }
    const end = END.exec(line);
    if (end !== null) {
      if (end[1] !== label) {
        throw cryptoError("PEM_INVALID", `${where}: END ${end[1]} closes BEGIN ${label}`);
      }
      if (blocks.length === MAX_PEM_BLOCKS) {
        throw cryptoError("PEM_INVALID", `${what}: more than ${MAX_PEM_BLOCKS} PEM blocks`);
      }
      blocks.push({
        label,
        der: decodeBody(body.join(""), `${what}, ${label} block ${blocks.length + 1}`),
      });
      label = undefined;
      continue;
    }
    if (line.includes(":")) {
      throw cryptoError("PEM_INVALID", `${where}: PEM headers (encrypted PEM) are not accepted`);
    }
    if (!BASE64_LINE.test(line)) {
      throw cryptoError("PEM_INVALID", `${where}: not base64 inside the ${label} block`);
    }
    body.push(line);
  }
  if (label !== undefined) {
    throw cryptoError("PEM_INVALID", `${what}: BEGIN ${label} without its END line`);
  }
  if (blocks.length === 0) throw cryptoError("PEM_INVALID", `${what}: no PEM block found`);
  return blocks;
}

function decodeBody(base64: string, where: string): Uint8Array {
  if (base64.length === 0 || base64.length % 4 !== 0) {
    throw cryptoError("PEM_INVALID", `${where}: base64 of length ${base64.length} is incomplete`);
  }
  if ((base64.length / 4) * 3 > MAX_PEM_BLOCK_BYTES) {
    throw cryptoError("PEM_INVALID", `${where}: larger than ${MAX_PEM_BLOCK_BYTES} bytes`);
  }
  let binary: string;
  try {
    binary = atob(base64);
  } catch (err) {
    throw cryptoError("PEM_INVALID", `${where}: invalid base64`, err);
  }
  const der = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) der[i] = binary.charCodeAt(i);
  return der;
}

/** One PEM block of `der` under `label`, 64 base64 characters a line. */
export function encodePem(label: string, der: Uint8Array): string {
  const lines = encodeBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
