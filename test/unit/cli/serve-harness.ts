import type { CliIo, FetchHandler, ListenOptions } from "../../../src/cli/io.ts";
import { fakeIo } from "./fake-io.ts";

/**
 * A fake server: records what serve asked for and lets the test stop it; with
 * `stuck`, close() never finishes, as when a client holds a request open.
 */
export function harness(
  env: Record<string, string> = {},
  files: Record<string, string> = {},
  stuck = false,
  extra: Partial<CliIo> = {},
) {
  let stop!: (signal: string) => void;
  let listening!: (value: { handler: FetchHandler; options: ListenOptions }) => void;
  const started = new Promise<{ handler: FetchHandler; options: ListenOptions }>((resolve) => {
    listening = resolve;
  });
  const closed: string[] = [];
  const io = fakeIo(files, {
    ...extra,
    env: (name) => env[name],
    envNames: (prefix) => Object.keys(env).filter((name) => name.startsWith(prefix)),
    listen: async (handler, options) => {
      listening({ handler, options });
      return {
        port: options.port === 0 ? 40123 : options.port,
        close: () => {
          closed.push("closed");
          return stuck ? new Promise<void>(() => {}) : Promise.resolve();
        },
        terminate: () => closed.push("terminated"),
      };
    },
    shutdownSignal: () =>
      new Promise((resolve) => {
        stop = resolve;
      }),
  });
  return { io, started, closed, stop: (signal: string) => stop(signal) };
}
