import { OciError } from "./errors.ts";
import { registryApiHost } from "./reference.ts";

/**
 * Which URLs the client may fetch. Registries, token realms and redirect
 * targets are reached over HTTPS at public addresses; plain HTTP and
 * loopback, private or link-local IP literals (and `localhost`) only for hosts
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

type AddressKind = "loopback" | "private" | "link-local" | "unspecified";

export class AddressPolicy {
  readonly #allowed: Allowed[];

  /** `insecureRegistries`: `HOST[:PORT]`, optionally `https://HOST[:PORT]` to keep TLS. */
  constructor(insecureRegistries: readonly string[] = []) {
    this.#allowed = insecureRegistries.map(parseEntry);
  }

  /** The base URL of the Distribution API of `registry` (`host[:port]`), with a trailing `/`. */
  registryUrl(registry: string): URL {
    const host = registryApiHost(registry);
    const entry = this.#match(new URL(`https://${host}/`));
    return new URL(`${entry?.scheme ?? "https:"}//${host}/`);
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

/** The kind of a non-public address: `localhost`, IPv4 or bracketed IPv6 as `URL.hostname` gives it. */
function addressKind(hostname: string): AddressKind | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  if (host.startsWith("[")) return ipv6Kind(host.slice(1, -1));
  const octets = host.split(".");
  if (octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o))) {
    return ipv4Kind(octets.map(Number) as [number, number, number, number]);
  }
  return undefined;
}

function ipv4Kind([a, b]: [number, number, number, number]): AddressKind | undefined {
  if (a === 127) return "loopback";
  if (a === 0) return "unspecified";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 169 && b === 254) return "link-local";
  return undefined;
}

function ipv6Kind(literal: string): AddressKind | undefined {
  const words = ipv6Words(literal);
  if (!words) return undefined;
  const [w0, w1, w2, w3, w4, w5, w6, w7] = words as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const upperZero = w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0;
  if (upperZero && w5 === 0 && w6 === 0 && w7 <= 1) return w7 === 1 ? "loopback" : "unspecified";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) reach the embedded address.
  if (upperZero && (w5 === 0xffff || w5 === 0)) {
    return ipv4Kind([w6 >> 8, w6 & 255, w7 >> 8, w7 & 255]);
  }
  if ((w0 & 0xfe00) === 0xfc00) return "private";
  if ((w0 & 0xffc0) === 0xfe80) return "link-local";
  return undefined;
}

/** The eight 16-bit words of an IPv6 literal in hex notation (as `URL` serialises it). */
function ipv6Words(literal: string): number[] | undefined {
  const [head, tail, ...rest] = literal.split("::");
  if (rest.length > 0) return undefined;
  const parse = (part: string | undefined): number[] =>
    part ? part.split(":").map((word) => Number.parseInt(word, 16)) : [];
  const left = parse(head);
  const right = parse(tail);
  const gap = 8 - left.length - right.length;
  if (tail === undefined ? gap !== 0 : gap < 1) return undefined;
  const words = [...left, ...Array<number>(Math.max(gap, 0)).fill(0), ...right];
  return words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}
