import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  defaultDockerConfigPath,
  loadDockerCredentials,
} from "../../../src/runtime/docker-config.ts";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { rejectionOf } from "../../support/errors.ts";

const basic = (user: string, password: string) => ({ auth: btoa(`${user}:${password}`) });

// Reads real files (the CLI runs on Node, Bun and Deno): the workerd run leaves it out.
describe("loading the Docker config.json", () => {
  const dir = makeTempDir("docker-config");
  afterAll(() => removeTempDir(dir));

  const write = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it("reads credentials from an explicit file", async () => {
    const path = write(
      "explicit.json",
      JSON.stringify({ auths: { "127.0.0.1:5000": basic("alice", "s3cret") } }),
    );
    const source = await loadDockerCredentials(path, {});
    expect(source.lookup("127.0.0.1:5000")).toEqual({
      kind: "basic",
      username: "alice",
      password: "s3cret",
    });
    expect(source.lookup("ghcr.io")).toBeUndefined();
  });

  it("looks in $DOCKER_CONFIG by default", async () => {
    const configDir = join(dir, "docker-config-dir");
    mkdirSync(configDir);
    writeFileSync(
      join(configDir, "config.json"),
      JSON.stringify({ auths: { "ghcr.io": basic("bob", "pw") } }),
    );
    expect(defaultDockerConfigPath({ DOCKER_CONFIG: configDir })).toBe(
      join(configDir, "config.json"),
    );
    const source = await loadDockerCredentials(undefined, { DOCKER_CONFIG: configDir });
    expect(source.lookup("ghcr.io")).toMatchObject({ username: "bob" });
  });

  it("falls back to ~/.docker/config.json, ~ being $HOME first", () => {
    expect(defaultDockerConfigPath({})).toMatch(/[/\\]\.docker[/\\]config\.json$/);
    expect(defaultDockerConfigPath({ HOME: "/home/app" })).toBe(
      join("/home/app", ".docker", "config.json"),
    );
  });

  it("means no credentials when the default file is missing", async () => {
    const source = await loadDockerCredentials(undefined, { DOCKER_CONFIG: join(dir, "none") });
    expect(source.lookup("docker.io")).toBeUndefined();
  });

  it("is a usage error when an explicit file is missing", async () => {
    const path = join(dir, "missing.json");
    expect(await rejectionOf(loadDockerCredentials(path, {}))).toMatchObject({
      code: "CLI_USAGE",
      message: `--registry-config file "${path}" does not exist (see 'imgverify --help')`,
    });
  });

  it("names the file when it is not JSON", async () => {
    const path = write("broken.json", "{ not json");
    const { code, message } = await rejectionOf(loadDockerCredentials(path, {}));
    expect(code).toBe("CLI_REGISTRY_CONFIG");
    expect(message).toMatch(new RegExp(`^registry config "${path}": Docker config is not JSON`));
  });

  it("names the file and every bad field when the shape is wrong", async () => {
    const path = write("shape.json", JSON.stringify({ auths: { a: 1, b: { auth: "%%%" } } }));
    const { code, message } = await rejectionOf(loadDockerCredentials(path, {}));
    expect(code).toBe("CLI_REGISTRY_CONFIG");
    expect(message).toContain(`registry config "${path}"`);
    expect(message).toContain('auths["a"]');
    expect(message).toContain('auths["b"].auth');
  });

  it("names the file when it cannot be read, even at the default location", async () => {
    const configDir = join(dir, "is-a-dir");
    mkdirSync(join(configDir, "config.json"), { recursive: true });
    const { code, message } = await rejectionOf(
      loadDockerCredentials(undefined, { DOCKER_CONFIG: configDir }),
    );
    expect(code).toBe("CLI_REGISTRY_CONFIG");
    expect(message).toBe(
      `registry config "${join(configDir, "config.json")}": cannot read: it is a directory`,
    );
  });

  it("refuses a file over 1 MiB before reading it", async () => {
    const path = write("huge.json", " ".repeat(1024 * 1024 + 1));
    const { code, message } = await rejectionOf(loadDockerCredentials(path, {}));
    expect(code).toBe("CLI_REGISTRY_CONFIG");
    expect(message).toBe(`registry config "${path}": larger than 1048576 bytes`);
  });
});
