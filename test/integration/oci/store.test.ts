import { describe, expect, inject, it } from "vitest";
import {
  type ImageReference,
  isImageIndex,
  parseReference,
  type RegistryClient,
  type RequestEvent,
  selectPlatform,
  withDigest,
} from "../../../src/oci/index.ts";
import { SingleFlight } from "../../../src/store/single-flight.ts";
import type { RegistryMode } from "../../support/context.ts";
import { failure, imageRef, recordingClient } from "./setup.ts";

const registries = inject("registries");
const seededImages = inject("seededImages");
const MODES: RegistryMode[] = ["anonymous", "basic", "token"];
const CALLERS = 10;

/**
 * Exchanges that differ in what they ask or in what they got back. Without
 * auth every distinct request is one URL and method; with auth the same URL
 * is asked twice by protocol (the 401 that brings the challenge, then the
 * authorised request), which the status tells apart.
 */
function distinct(events: readonly RequestEvent[]): Set<string> {
  return new Set(events.map((e) => `${e.method} ${e.url} ${e.status}`));
}

/** What one verification asks of the registry: the digest, then the manifest. */
async function resolveAndFetch(client: RegistryClient, ref: ImageReference) {
  const [descriptor, fetched] = await Promise.all([client.resolve(ref), client.getManifest(ref)]);
  return { descriptor, fetched };
}

describe.each(MODES)("one per-request store (%s registry)", (mode) => {
  const registry = registries[mode];
  const seeded = seededImages[mode];

  it(`${CALLERS} concurrent resolves and manifest fetches make each request once`, async () => {
    const { client, events } = recordingClient(registry);
    const view = client.withStore(new SingleFlight<string, unknown>());
    const ref = parseReference(seeded.ociImage.reference);
    const results = await Promise.all(
      Array.from({ length: CALLERS }, () => resolveAndFetch(view, ref)),
    );
    expect(events.length).toBe(distinct(events).size);
    const manifestRequests = events.filter((e) => e.url.endsWith("/manifests/v1"));
    expect(
      manifestRequests
        .filter((e) => e.status === 200)
        .map((e) => e.method)
        .toSorted(),
    ).toEqual(["GET", "HEAD"]);
    if (mode === "anonymous") expect(events).toHaveLength(2);
    if (mode === "token") {
      expect(events.filter((e) => e.url === registry.token?.realm)).toHaveLength(1);
    }
    expect(view.stats.requests).toBe(events.length);
    // Token mode: the HEAD and the GET may also share one token request, if both were challenged
    // before it came back.
    const shared = 2 * (CALLERS - 1);
    expect(view.stats.shared).toBeOneOf(mode === "token" ? [shared, shared + 1] : [shared]);
    for (const { descriptor, fetched } of results) {
      expect(descriptor.digest).toBe(seeded.ociImage.digest);
      expect(fetched.descriptor).toEqual(descriptor);
      expect(fetched.bytes).toEqual(results[0]?.fetched.bytes);
    }
    // Callers get their own copies of the shared bytes.
    expect(results[0]?.fetched.bytes).not.toBe(results[1]?.fetched.bytes);
    // The manifest fetched by tag also answers a fetch by its digest.
    const before = events.length;
    await view.getManifest(withDigest(ref, seeded.ociImage.digest));
    expect(events.length).toBe(before);
  });

  it(`${CALLERS} concurrent index walks to linux/arm64 make each request once`, async () => {
    const { client, events } = recordingClient(registry);
    const view = client.withStore(new SingleFlight<string, unknown>());
    const ref = parseReference(seeded.index.reference);
    const walk = async (): Promise<string> => {
      const { fetched } = await resolveAndFetch(view, ref);
      if (!isImageIndex(fetched.manifest)) throw new Error("the seeded index is not an index");
      const chosen = selectPlatform(fetched.manifest, "linux/arm64");
      return (await view.getManifest(withDigest(ref, chosen.digest))).descriptor.digest;
    };
    const digests = await Promise.all(Array.from({ length: CALLERS }, walk));
    const arm64 = seeded.index.manifests.find((m) => m.platform.architecture === "arm64");
    expect(new Set(digests)).toEqual(new Set([arm64?.digest]));
    expect(events.length).toBe(distinct(events).size);
    expect(events.filter((e) => e.status === 200 && e.url.includes("/manifests/"))).toHaveLength(3);
  });

  it("shares a failure with the callers waiting on it, then forgets it", async () => {
    const { client, events } = recordingClient(registry);
    const view = client.withStore(new SingleFlight<string, unknown>());
    const missing = imageRef(registry, seeded.ociImage.repository, "no-such-tag");
    const errors = await Promise.all(
      Array.from({ length: CALLERS }, () => failure(view.getManifest(missing))),
    );
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(["NOT_FOUND"]));
    const notFound = (): number => events.filter((e) => e.status === 404).length;
    expect(notFound()).toBe(1);
    expect((await failure(view.getManifest(missing))).code).toBe("NOT_FOUND");
    expect(notFound()).toBe(2);
  });

  it("without a store every caller goes to the registry", async () => {
    const { client, events } = recordingClient(registry);
    const ref = parseReference(seeded.ociImage.reference);
    await client.resolve(ref);
    const before = events.length;
    await Promise.all(Array.from({ length: CALLERS }, () => client.resolve(ref)));
    // The challenge and the token are known by now: one HEAD per caller.
    expect(events.slice(before).map((e) => `${e.method} ${e.status}`)).toEqual(
      Array(CALLERS).fill("HEAD 200"),
    );
  });
});
