/**
 * `withCredentials` against the harness's password registry: a view asks its
 * own credentials first, sends them only to the registries they name, and
 * shares registry calls only with views of the same credential set.
 */
import { describe, expect, inject, it } from "vitest";
import { parseDockerConfig, parseReference } from "../../../src/oci/index.ts";
import { SingleFlight } from "../../../src/store/single-flight.ts";
import { dockerConfigText, exchanges, failure, ownCredentials, recordingClient } from "./setup.ts";

const registries = inject("registries");
const seededImages = inject("seededImages");

describe("a client's credential views", () => {
  const registry = registries.basic;
  const other = registries.token;
  const image = seededImages.basic.ociImage;
  const ref = parseReference(image.reference);
  const user = ownCredentials(registry);
  if (user === null) throw new Error("the basic registry has no test user");
  const basic = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}`;
  const secretFor = (host: string) => parseDockerConfig(dockerConfigText(host, user));

  it("authenticates with the view's credentials when the client has none", async () => {
    const { client, sent } = recordingClient(registry, { credentials: null });
    const view = client
      .withStore(undefined)
      .withCredentials(secretFor(registry.host), "ns/regcred");
    expect((await view.resolve(ref)).digest).toBe(image.digest);
    expect(sent.map((r) => r.authorization)).toEqual([null, basic]);
    expect(client.stats.requests).toBe(0);
  });

  it("never sends a Secret's credentials to a registry the Secret does not name", async () => {
    const { client, sent } = recordingClient(registry, { credentials: null });
    const view = client.withStore(undefined).withCredentials(secretFor(other.host), "ns/other");
    const err = await failure(view.resolve(ref));
    expect(err.code).toBe("UNAUTHORIZED");
    expect(sent.map((r) => r.authorization)).toEqual([null]);
  });

  it("falls back to the client's own credentials for registries the view does not name", async () => {
    const { client, sent } = recordingClient(registry);
    const view = client.withStore(undefined).withCredentials(secretFor(other.host), "ns/other");
    expect((await view.resolve(ref)).digest).toBe(image.digest);
    expect(sent.map((r) => r.authorization)).toEqual([null, basic]);
  });

  it("shares calls within one credential set and never across sets", async () => {
    const { client, events } = recordingClient(registry, { credentials: null });
    const admission = client.withStore(new SingleFlight<string, unknown>());
    const anonymous = failure(admission.resolve(ref));
    const withSecret = admission.withCredentials(secretFor(registry.host), "ns/regcred");
    const again = admission.withCredentials(secretFor(registry.host), "ns/regcred");
    // Started while the anonymous call is in flight: joining it would fail with its 401.
    const [denied, resolved, shared] = await Promise.all([
      anonymous,
      withSecret.resolve(ref),
      again.resolve(ref),
    ]);
    expect(denied.code).toBe("UNAUTHORIZED");
    expect(resolved.digest).toBe(image.digest);
    expect(shared.digest).toBe(image.digest);
    // One successful HEAD for both views of the set; the 401s are the anonymous call's and,
    // unless the anonymous challenge arrived first, the set's own first try.
    const manifestPath = `/v2/${image.repository}/manifests/${image.tag}`;
    const seen = exchanges(events);
    expect(seen.filter((e) => e === `HEAD ${manifestPath} 200`)).toHaveLength(1);
    expect(seen.filter((e) => e !== `HEAD ${manifestPath} 401`)).toHaveLength(1);
    expect(admission.stats).toEqual({ requests: seen.length, shared: 1 });
  });
});
