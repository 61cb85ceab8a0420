/**
 * What the verify integration tests share: `bin/imgverify.js` as a child
 * process, keys and signatures made with openssl, cosign's storage layout
 * pushed raw, and the engine's API over a harness registry.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import seeds from "@sigstore/tuf/seeds.json" with { type: "json" };
import {
  type ImageRequest,
  type ImageVerdict,
  prepareTrustMaterial,
  type TrustMaterial,
  verifyImage,
} from "../../../src/engine/checks/index.ts";
import { parseReference } from "../../../src/oci/index.ts";
import { SingleFlight } from "../../../src/store/single-flight.ts";
import { trustedRootFromTufSeeds } from "../../../src/verify/trust/tuf-seeds.ts";
import { type CliResult, runImgverify } from "../../support/cli.ts";
import type { RegistryInfo } from "../../support/context.ts";
import { run } from "../../support/exec.ts";
import { type Descriptor, pushArtifact } from "../../support/push.ts";
import type { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { insecureHosts, ownCredentials, recordingClient } from "../oci/setup.ts";

const RUN_TIMEOUT_MS = 60_000;

/** `imgverify ARGS` in a child process, with `dockerConfigDir` as its only Docker config. */
export function imgverify(args: readonly string[], dockerConfigDir: string): Promise<CliResult> {
  return runImgverify(args, { dockerConfigDir, timeoutMs: RUN_TIMEOUT_MS });
}

/** The flags that let the CLI reach `registry` (and its token realm) over plain HTTP. */
export function registryFlags(registry: RegistryInfo): string[] {
  return insecureHosts(registry).flatMap((host) => ["--insecure-registry", host]);
}

/** A Docker config directory holding `registry`'s test credentials (empty for anonymous). */
export function dockerConfigDir(dir: string, registry: RegistryInfo): string {
  const credentials = ownCredentials(registry);
  const auths = credentials
    ? {
        [registry.host]: {
          auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64"),
        },
      }
    : {};
  const path = join(dir, `docker-${registry.mode}`);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, "config.json"), JSON.stringify({ auths }));
  return path;
}

export type KeyKind = "ecdsa-p256" | "ecdsa-p384" | "ed25519" | "rsa-pkcs1" | "rsa-pss";

export interface OpensslKey {
  kind: KeyKind;
  privatePath: string;
  publicPath: string;
  publicPem: string;
}

const GENPKEY: Record<KeyKind, string[]> = {
  "ecdsa-p256": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
  "ecdsa-p384": ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
  ed25519: ["-algorithm", "ed25519"],
  "rsa-pkcs1": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
  "rsa-pss": ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
};

/** A fresh key pair of `kind`, written as PEM under `dir`. */
export async function opensslKey(
  dir: string,
  kind: KeyKind,
  name: string = kind,
): Promise<OpensslKey> {
  const privatePath = join(dir, `${name}.key`);
  const publicPath = join(dir, `${name}.pub`);
  await run("openssl", ["genpkey", ...GENPKEY[kind], "-out", privatePath]);
  await run("openssl", ["pkey", "-in", privatePath, "-pubout", "-out", publicPath]);
  return { kind, privatePath, publicPath, publicPem: readFileSync(publicPath, "utf8") };
}

/**
 * `data` signed the way cosign signs with such a key: ECDSA and RSA over its
 * SHA-256 (RSA with PKCS#1 v1.5, or PSS with a digest-sized salt), Ed25519
 * over the data itself.
 */
export async function opensslSign(
  dir: string,
  key: OpensslKey,
  data: Uint8Array | string,
): Promise<Uint8Array> {
  const input = join(dir, `to-sign-${Math.random().toString(36).slice(2)}`);
  const output = `${input}.sig`;
  writeFileSync(input, data);
  const padding =
    key.kind === "rsa-pss"
      ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]
      : [];
  const args =
    key.kind === "ed25519"
      ? ["pkeyutl", "-sign", "-rawin", "-inkey", key.privatePath, "-in", input, "-out", output]
      : ["dgst", "-sha256", ...padding, "-sign", key.privatePath, "-out", output, input];
  await run("openssl", args);
  return readFileSync(output);
}

/** cosign's simple-signing payload for `digest`, as `cosign sign` writes it. */
export function simpleSigningPayload(dockerReference: string, digest: string): string {
  return JSON.stringify({
    critical: {
      identity: { "docker-reference": dockerReference },
      image: { "docker-manifest-digest": digest },
      type: "cosign container image signature",
    },
    optional: null,
  });
}

export const SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json";
export const DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json";
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";

export interface CosignLayer {
  content: Uint8Array | string;
  annotations: Record<string, string>;
}

/** Pushes `layers` as the `sha256-<hex>.sig` (or `.att`) manifest of `digest` in `repository`. */
export function pushCosignManifest(
  client: HarnessClient,
  repository: string,
  digest: string,
  kind: "sig" | "att",
  layers: readonly CosignLayer[],
): Promise<Descriptor> {
  const mediaType = kind === "sig" ? SIMPLE_SIGNING : DSSE_ENVELOPE;
  return pushArtifact(client, repository, `${digest.replace(":", "-")}.${kind}`, {
    config: { content: "{}", mediaType: "application/vnd.oci.image.config.v1+json" },
    layers: layers.map((layer) => ({ ...layer, mediaType })),
  });
}

/** The production trusted root built into @sigstore/tuf, prepared for the engine. */
export function productionTrust(): TrustMaterial {
  return prepareTrustMaterial(trustedRootFromTufSeeds(JSON.stringify(seeds)));
}

/** `verifyImage` through a recording client of `registry` and one request store. */
export async function verifyWithApi(
  registry: RegistryInfo,
  reference: string,
  request: ImageRequest,
  now: () => number = Date.now,
): Promise<ImageVerdict & { requests: number }> {
  const { client, events } = recordingClient(registry);
  const ctx = { client: client.withStore(new SingleFlight<string, unknown>()), now };
  const verdict = await verifyImage(ctx, parseReference(reference), request);
  return { ...verdict, requests: events.length };
}

const corporaRoot = resolve(process.env.IMGVERIFY_CORPORA ?? "../shared/corpora");

/** The corpora folder `path`, or undefined (with a loud warning) when it is absent. */
export function corporaFolder(path: string): string | undefined {
  const folder = join(corporaRoot, path);
  if (existsSync(folder)) return folder;
  console.warn(`SKIPPING tests that need ${folder}: absent (set IMGVERIFY_CORPORA)`);
  return undefined;
}
