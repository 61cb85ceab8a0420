import { AdmissionError } from "../errors.ts";
import { quote } from "../text.ts";

/** JSON Pointers (RFC 6901): `/spec/containers/0/image`, with `~` as `~0` and `/` as `~1`. */

export function escapePointerToken(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** The pointer of `tokens` from the document root; "" is the root itself. */
export function formatPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((token) => `/${escapePointerToken(String(token))}`).join("");
}

/** The unescaped tokens of `pointer`; `PATCH_INVALID` when it is not a JSON pointer. */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/") || /~[^01]|~$/.test(pointer)) {
    throw new AdmissionError("PATCH_INVALID", `${quote(pointer)} is not a JSON pointer`);
  }
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"));
}
