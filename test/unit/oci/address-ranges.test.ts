import { describe, expect, it } from "vitest";
import { AddressPolicy } from "../../../src/oci/index.ts";

const refusal = (url: string): string | undefined => new AddressPolicy().refusal(new URL(url));

describe("the address guard judges every spelling of an address through one parser", () => {
  it.each([
    ["https://100.64.0.1/", "shared"],
    ["https://100.127.255.255/", "shared"],
    ["https://198.18.0.1/", "benchmarking"],
    ["https://198.19.255.255/", "benchmarking"],
    ["https://224.0.0.1/", "multicast"],
    ["https://255.255.255.255/", "reserved"],
    ["https://240.0.0.1/", "reserved"],
    ["https://192.0.0.8/", "reserved"],
    // Other IPv4 spellings WHATWG URL canonicalises: octal, short, hex, decimal.
    ["https://0177.0.0.1/", "loopback"],
    ["https://127.1/", "loopback"],
    ["https://0x7f000001/", "loopback"],
    ["https://0xa.0x0.0x0.0x1/", "private"],
    ["https://167772161/", "private"],
    ["https://100.64.1/", "shared"],
    // IPv4 inside IPv6: mapped, translated, compatible, NAT64, 6to4.
    ["https://[::ffff:100.64.0.1]/", "shared"],
    ["https://[::ffff:0:127.0.0.1]/", "loopback"],
    ["https://[::ffff:0:10.0.0.1]/", "private"],
    ["https://[::10.0.0.1]/", "private"],
    ["https://[64:ff9b::127.0.0.1]/", "loopback"],
    ["https://[64:ff9b::a9fe:a9fe]/", "link-local"],
    ["https://[64:ff9b::192.168.0.1]/", "private"],
    ["https://[64:ff9b:1::1]/", "private"],
    ["https://[64:ff9b:1:ffff::808:808]/", "private"],
    ["https://[2002:7f00:1::1]/", "loopback"],
    ["https://[2002:a00:1::]/", "private"],
    ["https://[2002:a9fe:a9fe::1]/", "link-local"],
    ["https://[ff02::1]/", "multicast"],
  ])("refuses %s (%s)", (url, kind) => {
    expect(refusal(url)).toContain(`is a ${kind} address`);
  });

  it.each([
    "https://100.63.255.255/",
    "https://100.128.0.1/",
    "https://198.17.255.255/",
    "https://198.20.0.1/",
    "https://[64:ff9b::8.8.8.8]/",
    "https://[2002:808:808::1]/",
    "https://[::ffff:0:8.8.8.8]/",
  ])("allows %s", (url) => {
    expect(refusal(url)).toBeUndefined();
  });

  it("never sees a zone id: URL refuses it before the guard", () => {
    expect(URL.canParse("https://[fe80::1%25eth0]/")).toBe(false);
  });
});
