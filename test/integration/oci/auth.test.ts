import { describe, expect, inject, it } from "vitest";
import { parseReference } from "../../../src/oci/index.ts";
import { SingleFlight } from "../../../src/store/single-flight.ts";
import type { Credentials, RegistryInfo } from "../../support/context.ts";
import { exchanges, failure, ownCredentials, recordingClient } from "./setup.ts";

const registries = inject("registries");
const seededImages = inject("seededImages");

function testUser(registry: RegistryInfo): Credentials {
  const credentials = ownCredentials(registry);
  if (!credentials) throw new Error(`the ${registry.mode} registry has no test user`);
  return credentials;
}

describe("basic auth (htpasswd)", () => {
  const registry = registries.basic;
  const image = seededImages.basic.ociImage;
  const ref = parseReference(image.reference);
  const manifestPath = `/v2/${image.repository}/manifests/${image.tag}`;

  it("works with a Docker config.json entry, sending Basic up front once challenged", async () => {
    const { client, events } = recordingClient(registry);
    expect((await client.resolve(ref)).digest).toBe(image.digest);
    expect(exchanges(events)).toEqual([`HEAD ${manifestPath} 401`, `HEAD ${manifestPath} 200`]);
    expect((await client.getManifest(ref)).descriptor.digest).toBe(image.digest);
    expect(exchanges(events).slice(2)).toEqual([`GET ${manifestPath} 200`]);
  });

  it("finds the credentials under a URL-style config key (http://host:port/)", async () => {
    const user = testUser(registry);
    const { client, sent } = recordingClient(registry, { configKey: `${registry.url}/` });
    expect((await client.resolve(ref)).digest).toBe(image.digest);
    const basic = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}`;
    expect(sent.map((r) => r.authorization)).toEqual([null, basic]);
  });

  it("without credentials: UNAUTHORIZED, saying none is configured", async () => {
    const { client, events } = recordingClient(registry, { credentials: null });
    const err = await failure(client.resolve(ref));
    expect(err.code).toBe("UNAUTHORIZED");
    expect(err.message).toContain(`${registry.host} asks for a username and password`);
    expect(exchanges(events)).toEqual([`HEAD ${manifestPath} 401`]);
  });

  it("with a wrong password: UNAUTHORIZED from the registry's 401", async () => {
    const user = testUser(registry);
    const { client } = recordingClient(registry, { credentials: { ...user, password: "wrong" } });
    const err = await failure(client.getManifest(ref));
    expect(err).toMatchObject({ code: "UNAUTHORIZED", status: 401, registryCode: "UNAUTHORIZED" });
  });
});

describe("token auth", () => {
  const registry = registries.token;
  const token = registry.token;
  if (!token) throw new Error("the token registry has no token server");
  const realmPath = new URL(token.realm).pathname;
  const image = seededImages.token.ociImage;
  const ref = parseReference(image.reference);
  const manifestPath = `/v2/${image.repository}/manifests/${image.tag}`;

  it("pulls anonymously: the harness token server grants pull to anyone", async () => {
    const { client, events } = recordingClient(registry, { credentials: null });
    expect((await client.resolve(ref)).digest).toBe(image.digest);
    expect(exchanges(events)).toEqual([
      `HEAD ${manifestPath} 401`,
      `GET ${realmPath} 200`,
      `HEAD ${manifestPath} 200`,
    ]);
  });

  it("asks the realm for the repository's pull scope, with Basic credentials to the realm only", async () => {
    const { client, sent } = recordingClient(registry);
    expect((await client.resolve(ref)).digest).toBe(image.digest);
    const [challenged, tokenRequest, authorised] = sent;
    expect(sent).toHaveLength(3);
    expect(challenged?.authorization).toBeNull();
    expect(tokenRequest?.url.origin + (tokenRequest?.url.pathname ?? "")).toBe(token.realm);
    expect(tokenRequest?.url.searchParams.get("service")).toBe(token.service);
    expect(tokenRequest?.url.searchParams.get("scope")).toBe(`repository:${image.repository}:pull`);
    expect(tokenRequest?.authorization).toMatch(/^Basic /);
    expect(authorised?.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("keeps the token: later calls on the same repository ask the realm no more", async () => {
    const { client, events } = recordingClient(registry);
    await client.resolve(ref);
    const tokenRequests = (): number => events.filter((e) => e.url === token.realm).length;
    expect(tokenRequests()).toBe(1);
    const before = events.length;
    expect((await client.resolve(ref)).digest).toBe(image.digest);
    expect((await client.getManifest(ref)).descriptor.digest).toBe(image.digest);
    expect(exchanges(events.slice(before))).toEqual([
      `HEAD ${manifestPath} 200`,
      `GET ${manifestPath} 200`,
    ]);
    // A per-request view of the client shares its tokens.
    const view = client.withStore(new SingleFlight<string, unknown>());
    expect((await view.resolve(ref)).digest).toBe(image.digest);
    expect(tokenRequests()).toBe(1);
    // Another repository is another scope, so another token.
    await client.resolve(parseReference(seededImages.token.dockerImage.reference));
    expect(tokenRequests()).toBe(2);
  });

  it("with a wrong password: UNAUTHORIZED from the token endpoint", async () => {
    const user = testUser(registry);
    const { client, events } = recordingClient(registry, {
      credentials: { ...user, password: "wrong" },
    });
    const err = await failure(client.resolve(ref));
    expect(err).toMatchObject({ code: "UNAUTHORIZED", status: 401 });
    expect(err.message).toContain(`token endpoint ${token.realm} answered HTTP 401`);
    expect(err.message).toContain(`it refused the credentials of ${user.username}`);
    expect(exchanges(events)).toEqual([`HEAD ${manifestPath} 401`, `GET ${realmPath} 401`]);
  });

  it("for a user granted nothing: the registry refuses the token", async () => {
    const { client, events } = recordingClient(registry, { credentials: token.denied });
    const err = await failure(client.getManifest(ref));
    expect(err).toMatchObject({ code: "UNAUTHORIZED", status: 401, registryCode: "UNAUTHORIZED" });
    expect(exchanges(events)).toEqual([
      `GET ${manifestPath} 401`,
      `GET ${realmPath} 200`,
      `GET ${manifestPath} 401`,
    ]);
  });
});
