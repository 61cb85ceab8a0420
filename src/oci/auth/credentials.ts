import { OciError } from "../errors.ts";
import { DOCKER_HUB, normaliseRegistry } from "../reference.ts";

/**
 * Registry credentials from the text of a Docker `config.json`. Pure: the
 * runtime entry reads the file. Credential helpers (`credHelpers`,
 * `credsStore`) are programs this client does not run; a lookup that would
 * need one says so, and the client refuses with the registry's name when the
 * registry actually asks for credentials.
 */

export type RegistryCredential = (
  | { kind: "basic"; username: string; password: string }
  /** An OAuth2 refresh token (`identitytoken`), exchanged at the token realm. */
  | { kind: "identity-token"; username: string | undefined; identityToken: string }
) & {
  /**
   * Token realm hosts on another host than the registry that may receive
   * these credentials: the entry's `"imgverify.tokenRealms"` list.
   */
  tokenRealms?: readonly string[];
};

/** The Docker config field that lets credentials go to a token realm on another host. */
export const TOKEN_REALMS_FIELD = "imgverify.tokenRealms";

/** Credentials that live in a helper program, named by `setting`. */
export interface CredentialHelperRef {
  kind: "helper";
  helper: string;
  setting: "credHelpers" | "credsStore";
}

export type CredentialLookup = RegistryCredential | CredentialHelperRef | undefined;

/** What the client asks for credentials; `registry` is `host[:port]` as in references. */
export interface CredentialSource {
  lookup(registry: string): CredentialLookup;
}

/** What the first of `sources` that knows a registry says about it. */
export function firstCredentials(sources: readonly CredentialSource[]): CredentialSource {
  return {
    lookup(registry) {
      for (const source of sources) {
        const found = source.lookup(registry);
        if (found !== undefined) return found;
      }
      return undefined;
    },
  };
}

/** Parses `config.json` text; throws `CREDENTIALS_INVALID` listing every bad field. */
export function parseDockerConfig(text: string): CredentialSource {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (cause) {
    // The parser's message quotes the text, which holds passwords: it stays in the cause.
    throw new OciError("CREDENTIALS_INVALID", "Docker config is not JSON", { cause });
  }
  if (!isObject(config)) {
    throw new OciError("CREDENTIALS_INVALID", "Docker config is not a JSON object");
  }
  const problems: string[] = [];
  const auths = new Map<string, RegistryCredential>();
  for (const [key, entry] of objectEntries(config.auths, "auths", problems)) {
    const credential = parseAuthEntry(entry, `auths["${key}"]`, problems);
    const registry = normaliseConfigKey(key);
    if (credential && !auths.has(registry)) auths.set(registry, credential);
  }
  const helpers = new Map<string, string>();
  for (const [key, helper] of objectEntries(config.credHelpers, "credHelpers", problems)) {
    if (typeof helper === "string") helpers.set(normaliseConfigKey(key), helper);
    else problems.push(`credHelpers["${key}"] is not a string`);
  }
  const store = config.credsStore;
  if (store !== undefined && typeof store !== "string") problems.push("credsStore is not a string");
  if (problems.length > 0) {
    throw new OciError("CREDENTIALS_INVALID", `Docker config: ${problems.join("; ")}`);
  }
  return {
    lookup(registry) {
      const key = normaliseConfigKey(registry);
      const helper = helpers.get(key);
      if (helper !== undefined) return { kind: "helper", helper, setting: "credHelpers" };
      const credential = auths.get(key);
      if (credential) return credential;
      return typeof store === "string" && store !== ""
        ? { kind: "helper", helper: store, setting: "credsStore" }
        : undefined;
    },
  };
}

/** `https://index.docker.io/v1/` -> `docker.io`; `http://Host:5000/path` -> `host:5000`. */
export function normaliseConfigKey(key: string): string {
  const host = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split("/", 1)[0] ?? "";
  const lower = host.toLowerCase();
  return lower === "registry-1.docker.io" ? DOCKER_HUB : normaliseRegistry(lower);
}

function parseAuthEntry(
  entry: unknown,
  where: string,
  problems: string[],
): RegistryCredential | undefined {
  if (!isObject(entry)) {
    problems.push(`${where} is not an object`);
    return undefined;
  }
  const field = (name: string): string | undefined => {
    const value = Object.hasOwn(entry, name) ? entry[name] : undefined;
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value === "string") return value;
    problems.push(`${where}.${name} is not a string`);
    return undefined;
  };
  const auth = field("auth");
  const decoded = auth === undefined ? undefined : decodeAuth(auth);
  if (auth !== undefined && decoded === undefined) {
    problems.push(`${where}.auth is not base64 of "username:password"`);
  }
  const username = decoded?.username ?? field("username");
  const password = decoded?.password ?? field("password");
  const identityToken = field("identitytoken");
  const realms = tokenRealms(
    entry[TOKEN_REALMS_FIELD],
    `${where}["${TOKEN_REALMS_FIELD}"]`,
    problems,
  );
  const extra = realms === undefined ? {} : { tokenRealms: realms };
  if (identityToken !== undefined) {
    return { kind: "identity-token", username, identityToken, ...extra };
  }
  if (username !== undefined && password !== undefined) {
    return { kind: "basic", username, password, ...extra };
  }
  return undefined;
}

/** `["auth.example.com", ...]`: bare host names, compared lower-case. */
function tokenRealms(value: unknown, where: string, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const hosts = Array.isArray(value) ? value : [];
  const bad = hosts.some((h) => typeof h !== "string" || !/^[a-z0-9.-]+$/i.test(h));
  if (!Array.isArray(value) || bad) {
    problems.push(`${where} is not a list of host names (e.g. ["auth.example.com"])`);
    return undefined;
  }
  return hosts.map((h: string) => h.toLowerCase());
}

function decodeAuth(auth: string): { username: string; password: string } | undefined {
  try {
    const binary = atob(auth.trim());
    const text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
    const colon = text.indexOf(":");
    if (colon <= 0) return undefined;
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  } catch {
    return undefined;
  }
}

function objectEntries(value: unknown, name: string, problems: string[]): [string, unknown][] {
  if (value === undefined || value === null) return [];
  if (isObject(value)) return Object.entries(value);
  problems.push(`${name} is not an object`);
  return [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
