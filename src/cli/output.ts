/** How results and errors reach people (text) and machines (`--json`). */
import { isImgverifyError } from "../errors.ts";
import { type ExitCode, exitCodeFor } from "./errors.ts";
import type { CliIo } from "./io.ts";

export function writeJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** How deep to follow `cause`: far enough for fetch -> socket -> syscall. */
const MAX_CAUSES = 4;

/**
 * `message` plus the detail its causes hold. The top error words its direct
 * cause its own way; but where wrappers only repeat a cause ("fetch failed"),
 * the detail is further down ("connect ECONNREFUSED 127.0.0.1:9").
 */
function withCauses(err: Error): string {
  let message = err.message;
  let current = err;
  for (let depth = 0; depth < MAX_CAUSES && current.cause instanceof Error; depth++) {
    const cause: Error = current.cause;
    if (!message.includes(cause.message)) {
      if (depth === 0) break;
      message += `: ${cause.message}`;
    }
    current = cause;
  }
  return message;
}

function describe(err: unknown): { code: string; message: string } {
  if (isImgverifyError(err)) return { code: err.code, message: withCauses(err) };
  // Not one of ours: a bug or a runtime failure nobody wrapped. Say so plainly.
  const message = err instanceof Error ? withCauses(err) : String(err);
  return { code: "INTERNAL", message: `internal error: ${message}` };
}

/**
 * Reports `err` as `imgverify: <message>` on stderr, or with `json` as
 * `{"error": {"code", "message"}}` on stdout, and returns the exit code.
 */
export function reportError(io: CliIo, json: boolean, err: unknown): ExitCode {
  const { code, message } = describe(err);
  if (json) writeJson(io, { error: { code, message } });
  else io.stderr(`imgverify: ${message}\n`);
  return exitCodeFor(err);
}
