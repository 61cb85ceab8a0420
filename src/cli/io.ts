/**
 * What the command line needs from the runtime it runs on. `src/runtime/`
 * builds one per runtime; tests build their own. Nothing in `src/cli/` reaches
 * for a global to do I/O.
 */
import type { Fetch, Logger } from "../deps.ts";
import type { Sha256, Sha256Impl } from "../digest/types.ts";
import type { CredentialSource } from "../oci/auth/credentials.ts";
import type { ConfigMapSource, SecretSource } from "../policy/index.ts";

export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * PEM text. With `clientCa`, every connection must present a client
 * certificate that CA signed, or the handshake fails.
 */
export interface TlsMaterial {
  cert: string;
  key: string;
  clientCa?: string;
}

export interface ListenOptions {
  host: string;
  /** 0 picks a free port; `Listener.port` tells which. */
  port: number;
  /** Plain HTTP without it. */
  tls?: TlsMaterial;
}

export interface Listener {
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting, lets requests in flight finish, resolves when closed. */
  close(): Promise<void>;
  /**
   * After a `close()` that took too long: drops the connections still open,
   * or at least stops them from keeping the process alive.
   */
  terminate(): void;
  /**
   * Serves new connections with `tls` from now on, while connections and
   * requests already open finish on the old certificate. Rejects, leaving the
   * old one in force, when the runtime refuses the material (unreadable PEM,
   * a key that does not match the certificate). Absent on a plain-HTTP
   * listener and where the runtime cannot do it.
   */
  replaceTls?(tls: TlsMaterial): Promise<void>;
}

export interface FetchOptions {
  /** Upper bound for connecting and for waiting on each response. */
  timeoutMs: number;
}

export interface ListFilesOptions {
  /** Name endings kept when walking a directory, e.g. ".yaml"; a file named directly is kept whatever its name. */
  extensions: readonly string[];
  /** The most files one call returns; a directory holding more is a `CLI_USAGE` error naming it. */
  maxFiles: number;
}

/** One file a command writes. */
export interface OutputFile {
  path: string;
  text: string;
  /** Permission bits, e.g. 0o600 for a private key; set on files that already existed too. */
  mode: number;
}

/** How an in-cluster source (ConfigMaps, Secrets) calls the Kubernetes API. */
export interface InClusterSourceOptions {
  /** Upper bound for each Kubernetes API call. */
  timeoutMs: number;
  /** How long an object read from the API is reused before it is read again. */
  ttlMs: number;
  logger: Logger;
}

export interface InClusterSecrets {
  source: SecretSource;
  /**
   * The namespace of imgverify's own service account (its mounted
   * `namespace` file): where Secrets that belong to imgverify itself, such
   * as registry pull secrets, are looked up.
   */
  namespace: string;
}

export interface CliIo {
  /** Writes text as is: callers end their lines. */
  stdout(text: string): void;
  stderr(text: string): void;
  env(name: string): string | undefined;
  /** Every environment variable name that starts with `prefix`. */
  envNames(prefix: string): readonly string[];
  /**
   * The bytes of `path` in chunks, or of standard input for "-"; a file that
   * cannot be opened or read fails with `CLI_FILE_UNREADABLE` naming it.
   */
  readChunks(path: string): AsyncIterable<Uint8Array>;
  /**
   * `path` itself when it is a file; for a directory, the files at any depth
   * under it whose names end in one of `options.extensions`, in name order.
   * A path or directory that cannot be read fails with `CLI_FILE_UNREADABLE`.
   */
  listFiles(path: string, options: ListFilesOptions): Promise<string[]>;
  /**
   * Registry credentials from a Docker `config.json`: `path` when given
   * (missing is a usage error), else the default location (missing is fine).
   */
  loadRegistryCredentials(path: string | undefined): Promise<CredentialSource>;
  /** The runtime's fetch with its connection pool and timeouts. */
  fetch(options: FetchOptions): Fetch;
  /**
   * The SHA-256 named by `impl`, or the runtime's best when absent (the WASM
   * core, else @noble/hashes with the reason warned on `logger`).
   */
  loadSha256(impl: Sha256Impl | undefined, logger: Logger): Promise<Sha256>;
  /**
   * Writes every file of `files`, creating missing parent directories. Unless
   * `overwrite`, refuses with `CLI_FILE_EXISTS` naming the files that exist,
   * before writing any; a file that cannot be written is `CLI_FILE_UNWRITABLE`.
   */
  writeFiles(files: readonly OutputFile[], options: { overwrite: boolean }): Promise<void>;
  /**
   * ConfigMaps read through the Kubernetes API with the pod's service account
   * (token, CA and namespace under /var/run/secrets/kubernetes.io/serviceaccount,
   * KUBERNETES_SERVICE_HOST and _PORT); `KUBE_NOT_IN_CLUSTER` outside a pod.
   */
  inClusterConfigMaps(options: InClusterSourceOptions): Promise<ConfigMapSource>;
  /**
   * Secrets read the same way, with the service account's namespace;
   * `KUBE_NOT_IN_CLUSTER` outside a pod.
   */
  inClusterSecrets(options: InClusterSourceOptions): Promise<InClusterSecrets>;
  /**
   * Serves `handler` over HTTP. The server frames request bodies as the wire
   * does: never more than a declared Content-Length, and no Content-Length
   * beside chunked encoding.
   */
  listen(handler: FetchHandler, options: ListenOptions): Promise<Listener>;
  /** Resolves with the signal's name on the first SIGINT or SIGTERM. */
  shutdownSignal(): Promise<string>;
}
