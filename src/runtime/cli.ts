/**
 * The command line's process I/O over `node:` APIs, which Node, Bun and Deno
 * all provide: standard streams, environment, files read and written,
 * signals, credentials, the SHA-256 loader and the in-cluster ConfigMap and
 * Secret sources. `main` runs `imgverify` on Node (bin/imgverify.js); bun.ts
 * and deno.ts reuse `processIo` with their own fetch and server.
 */
import { createReadStream } from "node:fs";
import process from "node:process";
import type { CliIo } from "../cli/io.ts";
import { runCli } from "../cli/main.ts";
import { ImgverifyError } from "../errors.ts";
import { fileErrorReason, loadDockerCredentials } from "./docker-config.ts";
import { listFiles } from "./list-files.ts";
import { nodePlatform } from "./node.ts";

/** Large enough that hashing, not the call per chunk, dominates. */
const CHUNK_BYTES = 256 * 1024;

async function* readChunks(path: string): AsyncGenerator<Uint8Array> {
  const stream =
    path === "-" ? process.stdin : createReadStream(path, { highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (err) {
    const what = path === "-" ? "standard input" : `file "${path}"`;
    throw new ImgverifyError(
      "CLI_FILE_UNREADABLE",
      `cannot read ${what}: ${fileErrorReason(err)}`,
      {
        cause: err,
      },
    );
  }
}

function shutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      // Only the first signal is ours: a second Ctrl-C gets the default, immediate exit.
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

export type ProcessIo = Omit<CliIo, "fetch" | "listen">;

export function processIo(): ProcessIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: (name) => process.env[name],
    envNames: (prefix) => Object.keys(process.env).filter((name) => name.startsWith(prefix)),
    readChunks,
    listFiles,
    loadRegistryCredentials: (path) => loadDockerCredentials(path, process.env),
    // The digest core loads on first use, so --help does not wait for it.
    loadSha256: async (impl, logger) => (await import("./sha256-file.ts")).loadSha256(impl, logger),
    writeFiles: async (files, options) =>
      (await import("./write-files.ts")).writeFiles(files, options),
    inClusterConfigMaps: async (options) =>
      (await import("./in-cluster.ts")).inClusterConfigMaps({ ...options, env: process.env }),
    inClusterSecrets: async (options) =>
      (await import("./in-cluster.ts")).inClusterSecrets({ ...options, env: process.env }),
    shutdownSignal,
  };
}

/** `imgverify` on Node: sets the exit code and lets the event loop drain. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await runCli(argv, { ...processIo(), ...nodePlatform() });
}
