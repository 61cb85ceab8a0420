import { concatBytes } from "../encoding/bytes.ts";
import { ImgverifyError } from "../errors.ts";
import type { CliErrorCode } from "./errors.ts";

/**
 * Collects `chunks` into one buffer of at most `maxBytes`; `what` names the
 * source in the error, e.g. `file "cert.pem"`.
 */
export async function readAll(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    length += chunk.byteLength;
    if (length > maxBytes) {
      throw new ImgverifyError<CliErrorCode>(
        "CLI_FILE_TOO_LARGE",
        `${what} is larger than ${maxBytes} bytes, the most read into memory at once`,
      );
    }
    parts.push(chunk);
  }
  return concatBytes(parts, length);
}
