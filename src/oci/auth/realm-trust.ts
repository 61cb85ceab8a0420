import { normaliseRegistry, registryApiHost } from "../reference.ts";
import { type RegistryCredential, TOKEN_REALMS_FIELD } from "./credentials.ts";

/**
 * Which token realms may receive a registry's credentials. A challenge is
 * chosen by whoever answers, so a registry could name any realm; Docker and
 * go-containerregistry send the credentials wherever it points. Here they
 * go only to the registry's own host (any port: a TLS certificate names the
 * host, not the port, so another port of the host is run by the same
 * owner), to the realms of the well-known registries below, or to a realm
 * host the credentials entry lists in `"imgverify.tokenRealms"`.
 */

/** Registries whose token service lives on another host. */
const KNOWN_REALMS: ReadonlyMap<string, readonly string[]> = new Map([
  ["docker.io", ["auth.docker.io"]],
  ["registry.gitlab.com", ["gitlab.com"]],
]);

/** True when `credential`, configured for `registry` (`host[:port]`), may be sent to `realm`. */
export function realmTrusted(
  registry: string,
  credential: RegistryCredential,
  realm: URL,
): boolean {
  const host = realm.hostname.toLowerCase();
  const own = hostOf(normaliseRegistry(registry));
  if (host === own || host === hostOf(registryApiHost(registry))) return true;
  if (KNOWN_REALMS.get(own)?.includes(host)) return true;
  return credential.tokenRealms?.includes(host) ?? false;
}

/** Why credentials were withheld from `realm`, and how to allow it. */
export function withheldReason(registry: string, realm: URL): string {
  return (
    `the credentials for ${registry} were withheld from the token realm ${realm.host}, ` +
    `which is not ${registry}'s own host, and anonymous access was refused; if ${realm.host} ` +
    `is ${registry}'s token service, list it in the Docker config entry of ${registry} as ` +
    `"${TOKEN_REALMS_FIELD}": ["${realm.hostname}"]`
  );
}

function hostOf(registry: string): string {
  return new URL(`https://${registry}/`).hostname.toLowerCase();
}
