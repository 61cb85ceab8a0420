/**
 * Kubernetes Secrets as verifyImages reads them: the `cosign.pub` key of a
 * Secret an attestor names in `keys.secret`. Secret manifests given beside
 * the policies fill a static source; a cluster lookup can implement the same
 * interface. A Secret's values stay base64, as the API returns them, until a
 * key is read, so a binary value nobody reads is never an error.
 */
import { encodeUtf8Base64 } from "../../encoding/base64.ts";
import { policyError } from "../errors.ts";
import type { IssueSink } from "./reader.ts";
import { readManifest, StaticObjectSource } from "./static-objects.ts";

export interface Secret {
  readonly name: string;
  readonly namespace: string;
  /** Each key's value, base64 as in the manifest's or the API's `data`. */
  readonly data: Readonly<Record<string, string>>;
}

export interface SecretSource {
  get(namespace: string, name: string): Promise<Secret | undefined>;
}

/** A fixed set of Secrets, keyed by namespace and name. */
export class StaticSecretSource extends StaticObjectSource<Secret> implements SecretSource {}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A `v1` Secret manifest: `data` values must be base64 (as Kubernetes
 * requires); `stringData` values are plain strings and win over `data`, as
 * the API server merges them.
 */
export function parseSecret(doc: Record<string, unknown>, sink: IssueSink): Secret | undefined {
  const read = readManifest(doc, sink, ["type", "data", "stringData", "immutable"]);
  if (read === undefined) return undefined;
  const { top, name, namespace } = read;
  const data = top.stringMap("data");
  for (const [key, value] of Object.entries(data)) {
    if (!BASE64.test(value)) sink("FIELD_INVALID", `data.${key}`, "must be base64");
  }
  const plain = Object.entries(top.stringMap("stringData")).map(([k, v]) => [
    k,
    encodeUtf8Base64(v),
  ]);
  return { name, namespace, data: { ...data, ...Object.fromEntries(plain) } };
}

/** The UTF-8 text of `key` in `secret`; a missing or non-text value is `CONTEXT_UNRESOLVED` naming both. */
export function secretText(secret: Secret, key: string, where: string): string {
  const what = `${where}: Secret ${secret.namespace}/${secret.name}`;
  const value = Object.hasOwn(secret.data, key) ? secret.data[key] : undefined;
  if (value === undefined) throw policyError("CONTEXT_UNRESOLVED", `${what} has no key "${key}"`);
  try {
    if (!BASE64.test(value)) throw new Error("not base64");
    const binary = atob(value);
    return utf8.decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch (err) {
    throw policyError("CONTEXT_UNRESOLVED", `${what}: "${key}" is not base64 of UTF-8 text`, err);
  }
}
