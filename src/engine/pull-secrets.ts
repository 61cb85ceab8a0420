/**
 * The registry credentials a verifyImages entry adds with
 * `imageRegistryCredentials.secrets`: the Docker configs of the pull secrets
 * it names (`kubernetes.io/dockerconfigjson`, or the older
 * `kubernetes.io/dockercfg`), asked before imgverify's own. A credential is
 * looked up by the registry a call goes to, so each Secret's credentials go
 * only to the registries it names. Read per admission, as keys.secret is.
 */
import { isImgverifyError, reasonOf } from "../errors.ts";
import { type CredentialSource, firstCredentials, parseDockerConfig } from "../oci/index.ts";
import {
  type ImageVerification,
  type Secret,
  type SecretSource,
  secretText,
} from "../policy/index.ts";
import { engineError } from "./errors.ts";

/** Where a bare pull-secret name is looked up outside a cluster: the namespace deploy/ creates. */
export const DEFAULT_OWN_NAMESPACE = "imgverify";

export interface EntryCredentials {
  /** Names the set (its Secrets, in order): registry calls are shared only within one set. */
  readonly setName: string;
  readonly source: CredentialSource;
}

export interface PullSecretScope {
  /** imgverify's namespace, for bare names (Kyverno: its own namespace). */
  readonly own: string;
  /** A namespaced Policy's namespace: its only reach, bare names included. */
  readonly policy: string | undefined;
}

// A Secret object a source hands out again (static, or cached with a TTL) is parsed once.
const parsed = new WeakMap<Secret, CredentialSource>();

/** The pull secrets of `verification` as one credential source; undefined when it names none. */
export async function pullSecretCredentials(
  verification: ImageVerification,
  secrets: SecretSource,
  scope: PullSecretScope,
): Promise<EntryCredentials | undefined> {
  const names = verification.pullSecrets;
  if (names.length === 0) return undefined;
  const where = `${verification.path}.imageRegistryCredentials.secrets`;
  const references = names.map((name, i) => secretReference(name, `${where}[${i}]`, scope));
  const sources = await Promise.all(
    references.map(async ({ namespace, name, path }) => {
      const secret = await secrets.get(namespace, name);
      if (secret === undefined) {
        throw engineError(
          "CREDENTIALS_UNRESOLVED",
          `${path}: Secret ${namespace}/${name} was not found`,
        );
      }
      return credentialsOf(secret, path);
    }),
  );
  const setName = references.map((r) => `${r.namespace}/${r.name}`).join(",");
  return { setName, source: firstCredentials(sources) };
}

function secretReference(
  written: string,
  path: string,
  scope: PullSecretScope,
): { namespace: string; name: string; path: string } {
  const [first, second, ...rest] = written.replace(/^\//, "").split("/");
  const named = second === undefined ? undefined : first;
  const name = second ?? first ?? "";
  if (name === "" || named === "" || rest.length > 0) {
    throw engineError(
      "CREDENTIALS_UNRESOLVED",
      `${path}: "${written}" is not name or namespace/name`,
    );
  }
  // Stricter than Kyverno: a namespaced Policy reaches no other namespace's credentials.
  const namespace = named ?? scope.policy ?? scope.own;
  if (scope.policy !== undefined && namespace !== scope.policy) {
    throw engineError(
      "CREDENTIALS_UNRESOLVED",
      `${path}: a Policy in namespace ${scope.policy} cannot use Secret ${namespace}/${name}`,
    );
  }
  return { namespace, name, path };
}

function credentialsOf(secret: Secret, path: string): CredentialSource {
  const known = parsed.get(secret);
  if (known !== undefined) return known;
  const what = `${path}: Secret ${secret.namespace}/${secret.name}`;
  let source: CredentialSource;
  try {
    if (Object.hasOwn(secret.data, ".dockerconfigjson")) {
      source = parseDockerConfig(secretText(secret, ".dockerconfigjson", path));
    } else if (Object.hasOwn(secret.data, ".dockercfg")) {
      source = parseLegacyDockerConfig(secretText(secret, ".dockercfg", path));
    } else {
      throw new Error(
        'holds neither ".dockerconfigjson" nor ".dockercfg": make it with kubectl create secret docker-registry',
      );
    }
  } catch (err) {
    // secretText's own message already names the field and the Secret.
    const message = isImgverifyError(err, "CONTEXT_UNRESOLVED")
      ? err.message
      : `${what}: ${reasonOf(err)}`;
    throw engineError("CREDENTIALS_UNRESOLVED", message, err);
  }
  parsed.set(secret, source);
  return source;
}

/** `.dockercfg` is the `auths` object alone. */
function parseLegacyDockerConfig(text: string): CredentialSource {
  let auths: unknown;
  try {
    auths = JSON.parse(text);
  } catch {
    // The parser's message would quote the credentials.
    throw new Error('".dockercfg" is not JSON');
  }
  return parseDockerConfig(JSON.stringify({ auths }));
}
