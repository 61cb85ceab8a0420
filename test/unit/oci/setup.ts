import { silentLogger } from "../../../src/deps.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import {
  type Descriptor,
  isOciError,
  OCI_MANIFEST,
  type OciError,
  RegistryClient,
  type RegistryClientOptions,
} from "../../../src/oci/index.ts";
import { rejectionOf } from "../../support/errors.ts";
import { FakeClock } from "./fake-clock.ts";
import { FakeNet } from "./fake-net.ts";
import { FakeRegistry, type FakeRegistryOptions } from "./fake-registry.ts";

export const HOST = "registry.example.test";
export const ORIGIN = `https://${HOST}`;

export interface Harness {
  net: FakeNet;
  clock: FakeClock;
  registry: FakeRegistry;
  client: RegistryClient;
  /** A new client over the same network and clock. */
  makeClient(options?: Partial<RegistryClientOptions>): RegistryClient;
}

export function harness(
  registryOptions: FakeRegistryOptions = {},
  clientOptions: Partial<RegistryClientOptions> = {},
): Harness {
  const net = new FakeNet();
  const clock = new FakeClock();
  const registry = new FakeRegistry(ORIGIN, registryOptions).attach(net);
  const deps = { fetch: net.fetch, clock, logger: silentLogger, sha256: nobleSha256 };
  const makeClient = (options: Partial<RegistryClientOptions> = {}): RegistryClient =>
    new RegistryClient({ deps, ...clientOptions, ...options });
  return { net, clock, registry, client: makeClient(), makeClient };
}

/** Pushes a one-layer OCI image to `repo`, tagged `tags`. */
export function pushImage(
  registry: FakeRegistry,
  repo: string,
  tags: string[] = ["v1"],
  extra: Record<string, unknown> = {},
): { descriptor: Descriptor; config: Descriptor; layer: Descriptor; manifest: object } {
  const config = registry.pushBlob(
    repo,
    `{"architecture":"amd64","os":"linux","n":"${repo}"}`,
    "application/vnd.oci.image.config.v1+json",
  );
  const layer = registry.pushBlob(
    repo,
    `layer of ${repo}`,
    "application/vnd.oci.image.layer.v1.tar+gzip",
  );
  const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer], ...extra };
  return { descriptor: registry.pushManifest(repo, manifest, { tags }), config, layer, manifest };
}

/** The `OciError` `promise` rejects with; anything else fails the test. */
export const failure = (promise: Promise<unknown>): Promise<OciError> =>
  rejectionOf(promise, isOciError);
