/**
 * The real `bin/imgverify.js` as people run it: a Node child process, against
 * the harness registries (anonymous, basic auth, token auth).
 */
import { writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { type CliResult, runImgverify } from "../../support/cli.ts";

const RUN_TIMEOUT_MS = 30_000;

const dir = makeTempDir("cli");
afterAll(() => removeTempDir(dir));
// An empty Docker config directory, so the machine's own credentials never leak in.
const emptyDockerConfig = join(dir, "no-docker-config");

function imgverify(args: string[], options: { input?: string } = {}): Promise<CliResult> {
  return runImgverify(args, {
    dockerConfigDir: emptyDockerConfig,
    timeoutMs: RUN_TIMEOUT_MS,
    ...options,
  });
}

/** A loopback port that was free a moment ago and has no listener now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function dockerConfig(name: string, host: string, username: string, password: string): string {
  const path = join(dir, name);
  const auth = Buffer.from(`${username}:${password}`).toString("base64");
  writeFileSync(path, JSON.stringify({ auths: { [host]: { auth } } }));
  return path;
}

describe("imgverify --help and --version", () => {
  it("prints the command table and exits 0", async () => {
    const { code, stdout, stderr } = await imgverify(["--help"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("Usage: imgverify COMMAND [FLAGS] [ARGS]");
    expect(stdout).toMatch(/^ {2}resolve +\S/m);
  });

  it("exits 2 with a pointer to --help on an unknown flag", async () => {
    const { code, stderr } = await imgverify(["resolve", "--insecure", "x"]);
    expect(code).toBe(2);
    expect(stderr).toBe("imgverify: unknown flag --insecure (see 'imgverify resolve --help')\n");
  });
});

describe("imgverify digest", () => {
  it("hashes files and standard input", async () => {
    const abc = join(dir, "abc.txt");
    const empty = join(dir, "empty.txt");
    writeFileSync(abc, "abc");
    writeFileSync(empty, "");
    const { code, stdout, stderr } = await imgverify(["digest", abc, "-", empty], {
      input: "The quick brown fox jumps over the lazy dog",
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toBe(
      [
        `sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  ${abc}`,
        "sha256:d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592  -",
        `sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  ${empty}`,
        "",
      ].join("\n"),
    );
  });

  it.each(["wasm", "noble", "webcrypto"])("gives the same digest with --impl %s", async (impl) => {
    const big = join(dir, `big-${impl}.bin`);
    writeFileSync(big, "a".repeat(1_000_000));
    const { code, stdout } = await imgverify(["digest", "--json", "--impl", impl, big]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      {
        file: big,
        digest: "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
      },
    ]);
  });

  it("exits 2 naming a file that cannot be read", async () => {
    const missing = join(dir, "missing.txt");
    const { code, stdout, stderr } = await imgverify(["digest", missing]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr).toBe(`imgverify: cannot read file "${missing}": no such file\n`);
  });

  it("exits 2 naming a directory given as a file", async () => {
    const { code, stdout, stderr } = await imgverify(["digest", "--json", dir]);
    expect({ code, stderr }).toEqual({ code: 2, stderr: "" });
    expect(JSON.parse(stdout)).toEqual({
      error: {
        code: "CLI_FILE_UNREADABLE",
        message: `cannot read file "${dir}": it is a directory`,
      },
    });
  });
});

describe("imgverify resolve", () => {
  const registries = inject("registries");
  const seeded = inject("seededImages");
  const anonymous = registries.anonymous;

  it("prints the digest of a tag's manifest", async () => {
    const image = seeded.anonymous.ociImage;
    const { code, stdout, stderr } = await imgverify([
      "resolve",
      "--insecure-registry",
      anonymous.host,
      image.reference,
    ]);
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: `${image.digest}\n`, stderr: "" });
  });

  it("prints reference, digest, media type and size of an index with --json", async () => {
    const index = seeded.anonymous.index;
    const { code, stdout } = await imgverify([
      "--json",
      "resolve",
      `--insecure-registry=${anonymous.host}`,
      index.reference,
    ]);
    expect(code).toBe(0);
    const answer = JSON.parse(stdout);
    expect(answer).toEqual({
      reference: index.reference,
      digest: index.digest,
      mediaType: index.mediaType,
      size: expect.any(Number),
    });
    expect(answer.size).toBeGreaterThan(0);
  });

  it("exits 1 when the tag does not exist", async () => {
    const reference = `${anonymous.host}/seed/oci-image:no-such-tag`;
    const { code, stdout, stderr } = await imgverify([
      "resolve",
      "--insecure-registry",
      anonymous.host,
      reference,
    ]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
    expect(stderr).toMatch(/^imgverify: .*no-such-tag/);
  });

  it("exits 2 and says how to allow a registry that is not listed as insecure", async () => {
    const { code, stderr } = await imgverify(["resolve", seeded.anonymous.ociImage.reference]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--insecure-registry ${anonymous.host}`);
  });

  it("exits 2 on an invalid reference", async () => {
    const { code, stderr } = await imgverify(["resolve", "Not A Reference"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^imgverify: .*Not A Reference/);
  });

  it("exits 2 naming the refused connection when nothing listens", async () => {
    const port = await closedPort();
    const { code, stderr } = await imgverify([
      "resolve",
      "--insecure-registry",
      `127.0.0.1:${port}`,
      `127.0.0.1:${port}/none:latest`,
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^imgverify: resolving 127\.0\.0\.1:\d+\/none:latest: .*ECONNREFUSED/);
  });

  it("exits 2 after --timeout when the registry never answers", async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const { code, stderr } = await imgverify([
        "resolve",
        "--timeout",
        "1s",
        "--insecure-registry",
        `127.0.0.1:${port}`,
        `127.0.0.1:${port}/slow:latest`,
      ]);
      expect(code).toBe(2);
      expect(stderr).toContain("timed out after 1000 ms");
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      silent.close();
    }
  });

  describe("on a registry with basic auth", () => {
    const registry = registries.basic;
    const image = seeded.basic.ociImage;
    const resolve = (...flags: string[]) =>
      imgverify(["resolve", ...flags, "--insecure-registry", registry.host, image.reference]);

    it("works with credentials from --registry-config", async () => {
      const config = dockerConfig(
        "basic.json",
        registry.host,
        registry.username ?? "",
        registry.password ?? "",
      );
      expect(await resolve("--registry-config", config)).toEqual({
        code: 0,
        stdout: `${image.digest}\n`,
        stderr: "",
      });
    });

    it("fails clearly without credentials", async () => {
      const { code, stdout } = await resolve("--json");
      expect(code).toBe(2);
      const { error } = JSON.parse(stdout);
      expect(error.code).toBe("UNAUTHORIZED");
      expect(error.message).toContain(image.reference);
      expect(error.message).toContain("asks for a username and password");
    });

    it("fails clearly with wrong credentials", async () => {
      const config = dockerConfig("basic-wrong.json", registry.host, "nobody", "wrong");
      const { code, stdout } = await resolve("--json", "--registry-config", config);
      expect(code).toBe(2);
      const { error } = JSON.parse(stdout);
      expect(error.code).toBe("UNAUTHORIZED");
      expect(error.message).toContain(image.reference);
      expect(error.message).toContain("authentication failed");
    });
  });

  describe("on a registry with token auth", () => {
    const registry = registries.token;
    const image = seeded.token.ociImage;
    const token = registry.token;
    if (!token) throw new Error("the token-mode registry has no token server");
    // The token server is a second plain-HTTP loopback origin, allowed the same way.
    const realm = new URL(token.realm).host;
    const resolve = (...flags: string[]) =>
      imgverify([
        "resolve",
        ...flags,
        "--insecure-registry",
        registry.host,
        "--insecure-registry",
        realm,
        image.reference,
      ]);

    it("works with credentials from --registry-config, and anonymously as pulls are public", async () => {
      const config = dockerConfig(
        "token.json",
        registry.host,
        registry.username ?? "",
        registry.password ?? "",
      );
      const expected = { code: 0, stdout: `${image.digest}\n`, stderr: "" };
      expect(await resolve("--registry-config", config)).toEqual(expected);
      expect(await resolve()).toEqual(expected);
    });

    it("exits 2 and names the token server when it refuses the credentials", async () => {
      const config = dockerConfig("token-wrong.json", registry.host, "nobody", "wrong");
      const { code, stderr } = await resolve("--registry-config", config);
      expect(code).toBe(2);
      expect(stderr).toMatch(new RegExp(`^imgverify: resolving ${image.reference}: `));
      expect(stderr).toContain(`token endpoint ${token.realm}`);
    });

    it("exits 2 when the token grants nothing", async () => {
      const config = dockerConfig(
        "token-denied.json",
        registry.host,
        token.denied.username,
        token.denied.password,
      );
      const { code, stdout } = await resolve("--json", "--registry-config", config);
      expect(code).toBe(2);
      const { error } = JSON.parse(stdout);
      expect(error.code).toBe("UNAUTHORIZED");
      expect(error.message).toContain(image.reference);
    });

    it("says how to allow the token server when it is not listed", async () => {
      const { code, stderr } = await imgverify([
        "resolve",
        "--insecure-registry",
        registry.host,
        image.reference,
      ]);
      expect(code).toBe(2);
      expect(stderr).toContain(`pass --insecure-registry ${realm}`);
    });
  });

  it("exits 2 when an explicit --registry-config does not exist", async () => {
    const missing = join(dir, "absent.json");
    const { code, stderr } = await imgverify([
      "resolve",
      "--registry-config",
      missing,
      "--insecure-registry",
      anonymous.host,
      seeded.anonymous.ociImage.reference,
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--registry-config file "${missing}" does not exist`);
  });
});
