/**
 * What `serve --config-maps` and `--secrets` share: objects come from the
 * manifests beside the policies (`files`, the default) or from the Kubernetes
 * API with the pod's service account (`kube`), and with `kube` each object
 * read is reused for a TTL flag of its own. Each kind has the flag pair
 * `--<stem>s files|kube` and `--<stem>-ttl DURATION`; config-maps.ts and
 * secrets.ts describe the two kinds.
 */
import type { Logger } from "../../deps.ts";
import { usageError } from "../errors.ts";
import type { StringFlag } from "../flags/args.ts";
import { parseDuration } from "../flags/duration.ts";
import type { GlobalOptions } from "../flags/global-flags.ts";
import type { CliIo, InClusterSourceOptions } from "../io.ts";

const SOURCES = ["files", "kube"] as const;
type SourceName = (typeof SOURCES)[number];
/** Short: an object edited in the cluster takes effect within this long. */
const DEFAULT_TTL_MS = 30_000;
const MAX_TTL_MS = 60 * 60 * 1000;
/** One Kubernetes API call, at most; the admission's own budget usually ends it sooner. */
const MAX_KUBE_CALL_MS = 10_000;

export interface ObjectSourceChoice {
  readonly source: SourceName;
  readonly ttlMs: number;
}

/** One kind of object, its flag pair, and the source `kube` opens for it. */
export interface ObjectSource<Stem extends string, Kube> {
  /** The flags' stem: "config-map" for --config-maps and --config-map-ttl. */
  readonly stem: Stem;
  /** The object's kind, e.g. "ConfigMap". */
  readonly kind: string;
  /** What the objects are for, in help: "rule context ConfigMaps". */
  readonly purpose: string;
  readonly openInCluster: (io: CliIo, options: InClusterSourceOptions) => Promise<Kube>;
}

/** What opening an in-cluster source needs from `serve`. */
export interface InClusterContext {
  readonly io: CliIo;
  readonly global: GlobalOptions;
  readonly logger: Logger;
}

type FlagName<Stem extends string> = `${Stem}s` | `${Stem}-ttl`;
export type ObjectSourceFlags<Stem extends string> = { readonly [K in FlagName<Stem>]: StringFlag };
export type ObjectSourceValues<Stem extends string> = {
  readonly [K in FlagName<Stem>]?: string | undefined;
};

/** The flag specs of `kind`'s pair, for a command's flag table. */
export function objectSourceFlags<Stem extends string>({
  stem,
  kind,
  purpose,
}: ObjectSource<Stem, unknown>): ObjectSourceFlags<Stem> {
  const specs: Record<string, StringFlag> = {
    [`${stem}s`]: {
      type: "string",
      value: "SOURCE",
      description: `Where ${purpose} come from: files (beside the policies, the default) or kube (the Kubernetes API, in a pod).`,
    },
    [`${stem}-ttl`]: {
      type: "string",
      value: "DURATION",
      description: `With --${stem}s kube: how long a ${kind} read is reused, up to 1h (default 30s).`,
    },
  };
  return specs as ObjectSourceFlags<Stem>;
}

/** The choice the pair's values make; usage errors name the flag. */
export function parseObjectSourceChoice<Stem extends string>(
  { stem }: ObjectSource<Stem, unknown>,
  values: ObjectSourceValues<Stem>,
): ObjectSourceChoice {
  const [sourceFlag, ttlFlag] = [`--${stem}s`, `--${stem}-ttl`];
  const source = values[`${stem}s`];
  const ttl = values[`${stem}-ttl`];
  const found = source === undefined ? "files" : SOURCES.find((name) => name === source);
  if (found === undefined) {
    throw usageError(
      `unknown ${sourceFlag} "${source}": choose one of ${SOURCES.join(", ")}`,
      "serve",
    );
  }
  if (ttl !== undefined && found !== "kube") {
    throw usageError(`${ttlFlag} only applies to ${sourceFlag} kube`, "serve");
  }
  const ttlMs = ttl === undefined ? DEFAULT_TTL_MS : parseDuration(ttl, ttlFlag, "serve");
  if (ttlMs > MAX_TTL_MS) throw usageError(`${ttlFlag} "${ttl}" is over the bound of 1h`, "serve");
  return { source: found, ttlMs };
}

/**
 * Undefined for a `files` choice; for `kube`, the in-cluster source, with a
 * warning when `beside` (the manifests of the kind loaded with the policies)
 * holds any, since `kube` ignores them.
 */
export async function openChosenSource<Kube>(
  source: ObjectSource<string, Kube>,
  choice: ObjectSourceChoice,
  beside: { list(): readonly unknown[] },
  { io, global, logger }: InClusterContext,
): Promise<Kube | undefined> {
  if (choice.source === "files") return undefined;
  const unused = beside.list().length;
  if (unused > 0) {
    logger.warn(`${source.kind}s beside the policies are not used with --${source.stem}s kube`, {
      unused,
    });
  }
  const timeoutMs = Math.min(global.timeoutMs, MAX_KUBE_CALL_MS);
  return source.openInCluster(io, { timeoutMs, ttlMs: choice.ttlMs, logger });
}
