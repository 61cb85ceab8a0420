import { describe, expect, it } from "vitest";
import { AddressPolicy, isOciError } from "../../../src/oci/index.ts";

const refusal = (url: string, insecure: string[] = []): string | undefined =>
  new AddressPolicy(insecure).refusal(new URL(url));

describe("AddressPolicy.refusal", () => {
  it.each([
    "https://ghcr.io/v2/",
    "https://registry-1.docker.io/v2/",
    "https://8.8.8.8/",
    "https://172.32.0.1/",
    "https://192.169.0.1/",
    "https://[2001:db8::1]/",
    "https://[::ffff:8.8.8.8]/",
    "https://localhost.example.com/",
  ])("allows %s", (url) => {
    expect(refusal(url)).toBeUndefined();
  });

  it.each([
    ["https://localhost/", "loopback"],
    ["https://LOCALHOST./", "loopback"],
    ["https://app.localhost/", "loopback"],
    ["https://127.0.0.1/", "loopback"],
    ["https://127.255.1.2:5000/", "loopback"],
    ["https://0x7f.1/", "loopback"],
    ["https://2130706433/", "loopback"],
    ["https://0.0.0.0/", "unspecified"],
    ["https://10.1.2.3/", "private"],
    ["https://172.16.0.1/", "private"],
    ["https://172.31.255.255/", "private"],
    ["https://192.168.1.1/", "private"],
    ["https://169.254.169.254/latest/meta-data", "link-local"],
    ["https://[::1]/", "loopback"],
    ["https://[::]/", "unspecified"],
    ["https://[0:0:0:0:0:0:0:1]:5000/", "loopback"],
    ["https://[fc00::1]/", "private"],
    ["https://[fdab:1::2]/", "private"],
    ["https://[fe80::1]/", "link-local"],
    ["https://[febf::1]/", "link-local"],
    ["https://[::ffff:127.0.0.1]/", "loopback"],
    ["https://[::ffff:10.0.0.1]/", "private"],
    ["https://[::ffff:169.254.0.1]/", "link-local"],
  ])("refuses %s (%s)", (url, kind) => {
    const why = refusal(url);
    expect(why).toContain(`is a ${kind} address`);
    expect(why).toContain(`--insecure-registry ${new URL(url).host}`);
  });

  it("refuses plain HTTP and other schemes unless listed", () => {
    expect(refusal("http://ghcr.io/v2/")).toMatch(
      /plain HTTP to ghcr.io is refused.*--insecure-registry ghcr.io/,
    );
    expect(refusal("ftp://ghcr.io/")).toMatch(/ftp: URLs are not fetched/);
    expect(refusal("file:///etc/passwd")).toMatch(/file: URLs/);
  });

  it("lets listed HOST:PORT through, on that port only", () => {
    const insecure = ["127.0.0.1:5000", "[::1]:5001", "reg.internal"];
    expect(refusal("http://127.0.0.1:5000/v2/", insecure)).toBeUndefined();
    expect(refusal("https://127.0.0.1:5000/v2/", insecure)).toBeUndefined();
    expect(refusal("http://127.0.0.1:5001/v2/", insecure)).toMatch(/plain HTTP/);
    expect(refusal("https://127.0.0.1:5001/v2/", insecure)).toMatch(/loopback/);
    expect(refusal("http://[::1]:5001/", insecure)).toBeUndefined();
    expect(refusal("http://reg.internal:8080/", insecure)).toBeUndefined();
    expect(refusal("http://reg.internal/", insecure)).toBeUndefined();
  });

  it("keeps TLS for https:// entries while allowing their private address", () => {
    const insecure = ["https://10.0.0.5:5000"];
    expect(refusal("https://10.0.0.5:5000/", insecure)).toBeUndefined();
    expect(refusal("http://10.0.0.5:5000/", insecure)).toMatch(/plain HTTP/);
  });

  it("picks the scheme and API host of a registry", () => {
    const policy = new AddressPolicy(["localhost:5000", "https://10.0.0.5"]);
    expect(policy.registryUrl("localhost:5000")).toBe("http://localhost:5000/");
    expect(policy.registryUrl("10.0.0.5")).toBe("https://10.0.0.5/");
    expect(policy.registryUrl("ghcr.io")).toBe("https://ghcr.io/");
    expect(policy.registryUrl("docker.io")).toBe("https://registry-1.docker.io/");
  });

  it.each(["", "host/path", "user@host:5000", "host:port", "http://"])(
    "refuses the entry %j",
    (entry) => {
      let thrown: unknown;
      try {
        new AddressPolicy([entry]);
      } catch (err) {
        thrown = err;
      }
      expect(isOciError(thrown, "CONFIG_INVALID")).toBe(true);
      expect((thrown as Error).message).toContain(`"${entry}"`);
    },
  );
});
