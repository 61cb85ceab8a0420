import { derivedValues } from "../../store/ttl-cache.ts";
import { OciError } from "../errors.ts";
import { registryApiHost } from "../reference.ts";
import { addressKind } from "./address-kind.ts";

/**
 * Which URLs the client may fetch. Registries, token realms and redirect
 * targets are reached over HTTPS at public addresses; plain HTTP and
 * non-public IP literals (see `address-kind.ts`) and `localhost` only for hosts
 * the operator listed in `insecureRegistries`. Host names are not resolved
 * (no DNS in web-standard APIs), so only literals can be judged here.
 */

interface Allowed {
  hostname: string;
  /** Undefined: every port of the host. */
  port: string | undefined;
  /** The scheme used to reach it as a registry; `https://` entries keep TLS. */
  scheme: "http:" | "https:";
}

export class AddressPolicy {
  readonly #allowed: Allowed[];
  /** Base URLs by registry name: two URL parses a request saved (names are few, and short). */
  readonly #bases = derivedValues<string>(256, 256 * 256);

  /** `insecureRegistries`: `HOST[:PORT]`, optionally `https://HOST[:PORT]` to keep TLS. */
  constructor(insecureRegistries: readonly string[] = []) {
    this.#allowed = insecureRegistries.map(parseEntry);
  }

  /** The base URL of the Distribution API of `registry` (`host[:port]`), with a trailing `/`. */
  registryUrl(registry: string): string {
    let base = this.#bases.get(registry);
    if (base === undefined) {
      const host = registryApiHost(registry);
      const entry = this.#match(new URL(`https://${host}/`));
      base = new URL(`${entry?.scheme ?? "https:"}//${host}/`).href;
      this.#bases.set(registry, base);
    }
    return base;
  }

  /** Why `url` may not be fetched, or undefined when it may. */
  refusal(url: URL): string | undefined {
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      return `${url.protocol} URLs are not fetched`;
    }
    const entry = this.#match(url);
    const allowIt = `to allow it, pass --insecure-registry ${url.host} (config insecureRegistries)`;
    if (url.protocol === "http:" && entry?.scheme !== "http:") {
      return `plain HTTP to ${url.host} is refused; ${allowIt}`;
    }
    const kind = entry ? undefined : addressKind(url.hostname);
    return kind && `${url.hostname} is a ${kind} address; ${allowIt}`;
  }

  #match(url: URL): Allowed | undefined {
    const port = url.port || (url.protocol === "http:" ? "80" : "443");
    return this.#allowed.find(
      (entry) => entry.hostname === url.hostname && (entry.port ?? port) === port,
    );
  }
}

function parseEntry(entry: string): Allowed {
  const scheme = entry.startsWith("https://") ? "https:" : "http:";
  const bare = entry.replace(/^https?:\/\//, "").replace(/\/$/, "");
  const url = URL.canParse(`${scheme}//${bare}`) ? new URL(`${scheme}//${bare}`) : undefined;
  if (url === undefined || bare.includes("/") || url.search || url.username) {
    throw new OciError("CONFIG_INVALID", `insecure registry "${entry}" is not HOST or HOST:PORT`);
  }
  const explicitPort = /:\d+$/.test(bare);
  return {
    hostname: url.hostname,
    port: explicitPort ? url.port || defaultPort(scheme) : undefined,
    scheme,
  };
}

function defaultPort(scheme: "http:" | "https:"): string {
  return scheme === "http:" ? "80" : "443";
}
