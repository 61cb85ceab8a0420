import { describe, expect, inject, it } from "vitest";
import { parseReference, RegistryClient, type RequestEvent } from "../../../src/oci/index.ts";
import { closedPort, startRawServer } from "./servers.ts";
import { exchanges, failure, nodeDeps, recordingClient } from "./setup.ts";

const registries = inject("registries");
const seededImages = inject("seededImages");

const MANIFEST_HEADERS =
  "HTTP/1.1 200 OK\r\n" +
  "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n" +
  "Content-Length: 1000\r\n\r\n";
const FIRST_BYTES = '{"schemaVersion":2,';

function clientFor(host: string, timeoutMs?: number) {
  const events: RequestEvent[] = [];
  const client = new RegistryClient({
    deps: nodeDeps(),
    insecureRegistries: [host],
    ...(timeoutMs !== undefined && { timeoutMs }),
    onRequest: (event) => events.push(event),
  });
  return { client, events };
}

describe("address policy", () => {
  it("refuses a loopback registry not listed as insecure, before any request", async () => {
    const registry = registries.anonymous;
    const { client, events, sent } = recordingClient(registry, { insecureRegistries: [] });
    const ref = parseReference(seededImages.anonymous.ociImage.reference);
    for (const call of [client.resolve(ref), client.getManifest(ref)]) {
      const err = await failure(call);
      expect(err.code).toBe("ADDRESS_REFUSED");
      expect(err.message).toContain(`https://${registry.host}/v2/`);
      expect(err.message).toContain(`--insecure-registry ${registry.host}`);
    }
    expect(events).toEqual([]);
    expect(sent).toEqual([]);
  });

  it("refuses the token realm when only the registry is listed as insecure", async () => {
    const registry = registries.token;
    const realm = new URL(registry.token?.realm ?? "");
    const { client, events } = recordingClient(registry, { insecureRegistries: [registry.host] });
    const image = seededImages.token.ociImage;
    const err = await failure(client.resolve(parseReference(image.reference)));
    expect(err.code).toBe("ADDRESS_REFUSED");
    expect(err.message).toContain(`plain HTTP to ${realm.host} is refused`);
    expect(exchanges(events)).toEqual([`HEAD /v2/${image.repository}/manifests/${image.tag} 401`]);
  });
});

describe("deadlines and dead ends", () => {
  it("TIMEOUT when the registry accepts the connection and never answers", async () => {
    const silent = await startRawServer(undefined, "hold");
    try {
      const { client, events } = clientFor(silent.host, 150);
      const reference = `${silent.host}/oci-it/silent:v1`;
      const started = performance.now();
      const err = await failure(client.resolve(parseReference(reference)));
      const elapsed = performance.now() - started;
      expect(err.code).toBe("TIMEOUT");
      expect(err.message).toBe(`resolving ${reference}: timed out after 150 ms`);
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(2_000);
      expect(silent.connections()).toBe(1);
      expect(events).toEqual([
        {
          method: "HEAD",
          url: `http://${silent.host}/v2/oci-it/silent/manifests/v1`,
          status: undefined,
        },
      ]);
    } finally {
      await silent.close();
    }
  });

  it("TIMEOUT when the body stops coming after the headers", async () => {
    const stalled = await startRawServer(MANIFEST_HEADERS + FIRST_BYTES, "hold");
    try {
      const { client, events } = clientFor(stalled.host, 150);
      const started = performance.now();
      const err = await failure(
        client.getManifest(parseReference(`${stalled.host}/oci-it/stalled:v1`)),
      );
      expect(err.code).toBe("TIMEOUT");
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(exchanges(events)).toEqual(["GET /v2/oci-it/stalled/manifests/v1 200"]);
    } finally {
      await stalled.close();
    }
  });

  it("NETWORK when nothing listens on the port", async () => {
    const host = await closedPort();
    const { client, events } = clientFor(host);
    const err = await failure(client.getManifest(parseReference(`${host}/oci-it/closed:v1`)));
    expect(err.code).toBe("NETWORK");
    expect(err.message).toMatch(new RegExp(`^fetching the manifest of ${host}/oci-it/closed:v1: `));
    expect(exchanges(events)).toEqual(["GET /v2/oci-it/closed/manifests/v1 -"]);
  });

  it("TRUNCATED when the connection closes before Content-Length bytes came", async () => {
    const cut = await startRawServer(MANIFEST_HEADERS + FIRST_BYTES, "end");
    try {
      const { client } = clientFor(cut.host);
      const err = await failure(client.getManifest(parseReference(`${cut.host}/oci-it/cut:v1`)));
      expect(err.code).toBe("TRUNCATED");
      expect(err.message).toContain(`after ${FIRST_BYTES.length} of 1000 bytes`);
    } finally {
      await cut.close();
    }
  });
});
