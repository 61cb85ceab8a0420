import type { Clock, Logger } from "../deps.ts";
import { usageError } from "./errors.ts";

export type LogLevel = keyof Logger;

export const logLevels: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/**
 * A logger writing one JSON object per line, the shape log collectors in a
 * cluster parse without configuration; lines below `minLevel` are dropped.
 */
const LINE_KEYS = new Set(["time", "level", "message"]);

/** `fields`, with any that would replace the line's own time, level or message renamed `fields.<name>`. */
function unshadowed(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [
      LINE_KEYS.has(key) ? `fields.${key}` : key,
      value,
    ]),
  );
}

export function jsonLineLogger(
  write: (line: string) => void,
  clock: Clock,
  minLevel: LogLevel,
): Logger {
  const threshold = logLevels.indexOf(minLevel);
  const log =
    (level: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (logLevels.indexOf(level) < threshold) return;
      const time = new Date(clock.now()).toISOString();
      write(`${JSON.stringify({ time, level, message, ...unshadowed(fields) })}\n`);
    };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/**
 * Warnings and errors for people at a terminal, `imgverify: warning: ...`;
 * commands other than serve use it so a fallback or a skipped credential
 * helper is seen without drowning the output in JSON.
 */
export function terminalLogger(write: (line: string) => void): Logger {
  const log =
    (label: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      const details = Object.entries(fields ?? {})
        .map(
          ([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`,
        )
        .join(", ");
      write(`imgverify: ${label}: ${message}${details ? ` (${details})` : ""}\n`);
    };
  return { debug() {}, info() {}, warn: log("warning"), error: log("error") };
}

/** The level `text` names (default info); a usage error names `setting` otherwise. */
export function parseLogLevel(text: string | undefined, setting: string): LogLevel {
  if (text === undefined) return "info";
  if ((logLevels as readonly string[]).includes(text)) return text as LogLevel;
  throw usageError(`unknown ${setting} "${text}": choose one of ${logLevels.join(", ")}`, "serve");
}
