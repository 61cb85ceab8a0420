/** Flags every command accepts, and what they mean once checked. */
import type { BooleanFlag, FlagValues, RepeatedStringFlag, StringFlag } from "./args.ts";
import { parseDuration } from "./duration.ts";

export type GlobalFlagSpecs = {
  readonly "insecure-registry": RepeatedStringFlag;
  readonly "registry-config": StringFlag;
  readonly timeout: StringFlag;
  readonly json: BooleanFlag;
  readonly help: BooleanFlag;
};

export const globalFlags: GlobalFlagSpecs = {
  "insecure-registry": {
    type: "string",
    multiple: true,
    value: "HOST:PORT",
    env: "IMGVERIFY_INSECURE_REGISTRIES",
    description:
      "Reach this registry over plain HTTP (https://HOST:PORT keeps TLS); the only way to reach loopback and private addresses. Repeatable.",
  },
  "registry-config": {
    type: "string",
    value: "FILE",
    description:
      "Docker config.json with registry credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json).",
  },
  timeout: {
    type: "string",
    value: "DURATION",
    description: "Give up after this long, e.g. 500ms, 3s, 1m (default 30s).",
  },
  json: {
    type: "boolean",
    noEnv: true,
    description: "Machine-readable output (errors too, on stdout).",
  },
  help: { type: "boolean", short: "h", noEnv: true, description: "Show help." },
};

export type GlobalFlagValues = FlagValues<GlobalFlagSpecs>;

export interface GlobalOptions {
  json: boolean;
  timeoutMs: number;
  /** `HOST[:PORT]` as given; the OCI address policy validates them. */
  insecureRegistries: string[];
  /** The explicit --registry-config, if any. */
  registryConfig: string | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Checks what can be checked without the registry client (which validates hosts itself). */
export function globalOptions(flags: GlobalFlagValues, command: string): GlobalOptions {
  return {
    json: flags.json,
    timeoutMs:
      flags.timeout === undefined
        ? DEFAULT_TIMEOUT_MS
        : parseDuration(flags.timeout, "--timeout", command),
    insecureRegistries: flags["insecure-registry"],
    registryConfig: flags["registry-config"],
  };
}
