/**
 * The scenario the runtime and shared-cache tests share: a cosign-signed image
 * and an unsigned one on the real registry, reached through a counting proxy,
 * and a policy demanding the signature (by the image's key, no transparency
 * log) written as JSON to `policyFile`.
 */
import { writeFileSync } from "node:fs";
import { policyDoc } from "../unit/engine/core/world.ts";
import type { PushedImage, RegistryInfo } from "./context.ts";
import { type Proxy, startProxy } from "./proxy.ts";
import { seedSignedImages } from "./seed-signed.ts";

export interface SignedScenario {
  readonly proxy: Proxy;
  /** `proxy-host/repo:v1`, signed. */
  readonly signed: string;
  readonly signedDigest: string;
  /** The signed image by its digest alone. */
  readonly pinned: string;
  readonly unsigned: string;
  readonly unsignedDigest: string;
}

export async function signedScenario(
  registry: RegistryInfo,
  unsignedImage: PushedImage,
  policyFile: string,
): Promise<SignedScenario> {
  const proxy = await startProxy({ target: registry.url });
  const seeded = await seedSignedImages(registry, { images: 1 });
  const key = seeded.keys[0]?.publicKeyPem;
  const image = seeded.images[0];
  if (key === undefined || image === undefined) throw new Error("nothing seeded");
  const viaProxy = (reference: string) => reference.replace(registry.host, proxy.host);
  const signed = viaProxy(image.reference);
  const entry = { keys: { publicKeys: key, rekor: { ignoreTlog: true } } };
  const policy = policyDoc({
    name: "signed-images",
    entries: [{ imageReferences: [`${proxy.host}/*`], attestors: [{ entries: [entry] }] }],
  });
  writeFileSync(policyFile, JSON.stringify(policy));
  return {
    proxy,
    signed,
    signedDigest: image.digest,
    pinned: `${signed.replace(/:[^:/]+$/, "")}@${image.digest}`,
    unsigned: viaProxy(unsignedImage.reference),
    unsignedDigest: unsignedImage.digest,
  };
}
