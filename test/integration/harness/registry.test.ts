import { describe, expect, inject, it } from "vitest";
import type { RegistryInfo, RegistryMode } from "../../support/context.ts";
import { OCI_INDEX, pushArtifact, pushIndex, referrersTag } from "../../support/push.ts";
import { startRegistry } from "../../support/registry.ts";
import { parseChallenge, RegistryClient } from "../../support/registry-client.ts";

const registries = inject("registries");
const seeded = inject("seededImages");
const MODES: RegistryMode[] = ["anonymous", "basic", "token"];

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

function tokenAuth(registry: RegistryInfo) {
  const token = registry.token;
  if (!token) throw new Error(`${registry.mode} registry has no token server`);
  return token;
}

/** Asks the token server directly, as a client following the challenge would. */
async function requestToken(
  registry: RegistryInfo,
  scope: string,
  authorization?: string,
): Promise<Response> {
  const { realm, service } = tokenAuth(registry);
  const url = new URL(realm);
  url.searchParams.set("service", service);
  url.searchParams.set("scope", scope);
  return fetch(url, { headers: authorization ? { authorization } : {} });
}

async function bearer(res: Response): Promise<string> {
  expect(res.status).toBe(200);
  const body = (await res.json()) as { token: string; expires_in: number };
  expect(body.expires_in).toBeGreaterThan(0);
  return `Bearer ${body.token}`;
}

function getManifest(registry: RegistryInfo, repo: string, ref: string, authorization?: string) {
  return fetch(`${registry.url}/v2/${repo}/manifests/${ref}`, {
    headers: { accept: OCI_INDEX, ...(authorization ? { authorization } : {}) },
  });
}

describe("registry modes answer /v2/ as configured", () => {
  it("anonymous: 200", async () => {
    const res = await fetch(`${registries.anonymous.url}/v2/`);
    expect(res.status).toBe(200);
  });

  it("basic: 401 with a Basic challenge, 200 with the test user, 401 with a wrong password", async () => {
    const { url, username = "", password = "" } = registries.basic;
    const challenged = await fetch(`${url}/v2/`);
    expect(challenged.status).toBe(401);
    expect(parseChallenge(challenged.headers.get("www-authenticate") ?? "").scheme).toBe("basic");
    const ok = await fetch(`${url}/v2/`, { headers: { authorization: basic(username, password) } });
    expect(ok.status).toBe(200);
    const wrong = await fetch(`${url}/v2/`, {
      headers: { authorization: basic(username, "nope") },
    });
    expect(wrong.status).toBe(401);
  });

  it("token: 401 with a Bearer challenge naming the token server", async () => {
    const res = await fetch(`${registries.token.url}/v2/`);
    expect(res.status).toBe(401);
    const { scheme, params } = parseChallenge(res.headers.get("www-authenticate") ?? "");
    expect(scheme).toBe("bearer");
    expect(params.get("realm")).toBe(tokenAuth(registries.token).realm);
    expect(params.get("service")).toBe(tokenAuth(registries.token).service);
  });
});

describe("token server", () => {
  const registry = registries.token;
  const { repository, digest } = seeded.token.index;
  const { username = "", password = "" } = registry;

  it("issues a token the registry accepts for a pull", async () => {
    const token = await bearer(
      await requestToken(registry, `repository:${repository}:pull`, basic(username, password)),
    );
    const res = await getManifest(registry, repository, "v1", token);
    expect(res.status).toBe(200);
    expect(res.headers.get("docker-content-digest")).toBe(digest);
    expect(await getManifest(registry, repository, "v1").then((r) => r.status)).toBe(401);
  });

  it("grants anonymous requests pull but not push", async () => {
    const token = await bearer(await requestToken(registry, `repository:${repository}:pull,push`));
    expect((await getManifest(registry, repository, "v1", token)).status).toBe(200);
    const upload = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, {
      method: "POST",
      headers: { authorization: token },
    });
    expect(upload.status).toBe(401);
  });

  it("refuses a wrong password and grants nothing to a denied user", async () => {
    const scope = `repository:${repository}:pull`;
    expect((await requestToken(registry, scope, basic(username, "nope"))).status).toBe(401);
    const { denied } = tokenAuth(registry);
    const token = await bearer(
      await requestToken(registry, scope, basic(denied.username, denied.password)),
    );
    expect((await getManifest(registry, repository, "v1", token)).status).toBe(401);
  });

  it("deny()/allow() switch a user's grants while running", async () => {
    const own = await startRegistry({ mode: "token" });
    try {
      const server = own.tokenServer;
      if (!server || own.username === undefined || own.password === undefined) {
        throw new Error("token registry without token server or test user");
      }
      const credentials = basic(own.username, own.password);
      const tagsStatus = async (): Promise<number> => {
        const token = await bearer(
          await requestToken(own, "repository:any/repo:pull", credentials),
        );
        const res = await fetch(`${own.url}/v2/any/repo/tags/list`, {
          headers: { authorization: token },
        });
        return res.status;
      };
      server.deny(own.username);
      expect(await tagsStatus()).toBe(401);
      server.allow(own.username);
      expect(await tagsStatus()).toBe(404); // authorised; the repository does not exist
    } finally {
      await own.stop();
    }
  });
});

describe.each(MODES)("seeded images (%s)", (mode) => {
  const registry = registries[mode];
  const images = seeded[mode];
  const client = new RegistryClient(registry);

  it("tags resolve to the pushed digests via HEAD", async () => {
    const oci = await client.headManifest(images.ociImage.repository, "v1");
    expect(oci).toMatchObject({
      digest: images.ociImage.digest,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
    });
    const docker = await client.headManifest(images.dockerImage.repository, "v1");
    expect(docker).toMatchObject({
      digest: images.dockerImage.digest,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    });
    expect(new Set([oci.digest, docker.digest, images.index.digest]).size).toBe(3);
  });

  it("the index lists amd64 and arm64 images whose configs agree", async () => {
    const { repository, digest, manifests } = images.index;
    const index = await client.getManifest(repository, "v1");
    expect(index.digest).toBe(digest);
    const listed = (index.json as { manifests: { digest: string; platform: unknown }[] }).manifests;
    expect(listed.map((m) => m.platform)).toEqual([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ]);
    expect(listed.map((m) => m.digest)).toEqual(manifests.map((m) => m.digest));
    for (const entry of listed) {
      const image = await client.getManifest(repository, entry.digest);
      const configDigest = (image.json as { config: { digest: string } }).config.digest;
      const res = await client.fetch(
        `/v2/${repository}/blobs/${configDigest}`,
        {},
        `repository:${repository}:pull`,
      );
      const config = (await res.json()) as { os: string; architecture: string };
      expect({ os: config.os, architecture: config.architecture }).toEqual(entry.platform);
    }
  });

  it("a raw-pushed index under the sha256-<hex> tag round-trips", async () => {
    const subject = images.ociImage;
    const head = await client.headManifest(subject.repository, subject.digest);
    const artifact = await pushArtifact(client, subject.repository, `harness-${mode}-sig`, {
      artifactType: "application/vnd.example.harness+json",
      layers: [
        {
          content: { mode },
          mediaType: "application/vnd.example.harness+json",
          annotations: { "org.example.note": "smoke" },
        },
      ],
      subject: { mediaType: head.mediaType, digest: head.digest, size: head.size },
    });
    const tag = referrersTag(subject.digest);
    const pushed = await pushIndex(client, subject.repository, tag, [artifact]);
    const fetched = await client.getManifest(subject.repository, tag);
    expect(fetched.digest).toBe(pushed.digest);
    expect(fetched.mediaType).toBe(OCI_INDEX);
    expect(fetched.json).toEqual({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [artifact] });
    const stored = await client.getManifest(subject.repository, artifact.digest);
    expect(stored.json).toMatchObject({
      subject: { digest: subject.digest },
      artifactType: artifact.artifactType,
    });
  });
});
