/**
 * What kind of non-public address a host is, judged on `URL.hostname`: WHATWG
 * URL has already turned every IPv4 spelling (octal, hex, short `127.1`, a
 * bare integer) into dotted decimal and every IPv6 literal into compressed
 * hex (zone ids are refused by URL), so one IPv4 and one IPv6 reading cover
 * every form. IPv6 addresses that carry an IPv4 address (mapped, translated,
 * compatible, NAT64, 6to4) are judged by the address they reach.
 */

export type AddressKind =
  | "loopback"
  | "private"
  | "link-local"
  | "unspecified"
  | "shared"
  | "benchmarking"
  | "multicast"
  | "reserved";

/** [first address, prefix length, kind] of the IPv4 ranges that are not public. */
const IPV4_RANGES: readonly (readonly [string, number, AddressKind])[] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "reserved"],
  ["203.0.113.0", 24, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function addressKind(hostname: string): AddressKind | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  if (host.startsWith("[") && host.endsWith("]")) {
    const words = ipv6Words(host.slice(1, -1));
    return words && ipv6Kind(words);
  }
  const v4 = ipv4Value(host);
  return v4 === undefined ? undefined : ipv4Kind(v4);
}

function ipv4Value(host: string): number | undefined {
  const m = IPV4.exec(host);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

function ipv4Kind(value: number): AddressKind | undefined {
  for (const [first, bits, kind] of IPV4_RANGES) {
    const size = 2 ** (32 - bits);
    const start = ipv4Value(first) ?? 0;
    if (value >= start && value < start + size) return kind;
  }
  return undefined;
}

function ipv6Kind(w: readonly number[]): AddressKind | undefined {
  const at = (i: number): number => w[i] ?? 0;
  const v4 = (hi: number, lo: number): AddressKind | undefined => ipv4Kind(hi * 65536 + lo);
  const zeroUpTo = (n: number): boolean => w.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(7) && at(7) <= 1) return at(7) === 1 ? "loopback" : "unspecified";
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (translated).
  if (zeroUpTo(5) && (at(5) === 0xffff || at(5) === 0)) return v4(at(6), at(7));
  if (zeroUpTo(4) && at(4) === 0xffff && at(5) === 0) return v4(at(6), at(7));
  if (at(0) === 0x64 && at(1) === 0xff9b) {
    // 64:ff9b::/96 embeds the IPv4 address; 64:ff9b:1::/48 is for local use only.
    if (w.slice(2, 6).every((x) => x === 0)) return v4(at(6), at(7));
    if (at(2) === 1) return "private";
  }
  if (at(0) === 0x2002) return v4(at(1), at(2));
  if ((at(0) & 0xfe00) === 0xfc00) return "private";
  if ((at(0) & 0xffc0) === 0xfe80) return "link-local";
  if ((at(0) & 0xffc0) === 0xfec0) return "private";
  if ((at(0) & 0xff00) === 0xff00) return "multicast";
  return undefined;
}

/** The eight 16-bit words of an IPv6 literal in hex notation (as `URL` serialises it). */
function ipv6Words(literal: string): number[] | undefined {
  const [head, tail, ...rest] = literal.split("::");
  if (rest.length > 0) return undefined;
  const parse = (part: string | undefined): number[] =>
    part
      ? part
          .split(":")
          .map((word) => (/^[0-9a-f]{1,4}$/.test(word) ? Number.parseInt(word, 16) : Number.NaN))
      : [];
  const left = parse(head);
  const right = parse(tail);
  const gap = 8 - left.length - right.length;
  if (tail === undefined ? gap !== 0 : gap < 1) return undefined;
  const words = [...left, ...Array<number>(Math.max(gap, 0)).fill(0), ...right];
  return words.every((x) => Number.isInteger(x)) ? words : undefined;
}
