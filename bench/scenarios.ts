/**
 * The admission scenarios of the verification benchmark (their names are part
 * of the output contract), and the signed images they need, seeded straight
 * into the registry so that seeding is never counted at the proxy.
 */
import type { AdmissionRequest } from "../src/admission/index.ts";
import type { VerifyImagesPolicy } from "../src/policy/index.ts";
import type { RegistryInfo } from "../test/support/context.ts";
import {
  COSIGN_VULN,
  CYCLONEDX_BOM,
  SLSA_PROVENANCE,
  seedSignedImages,
} from "../test/support/seed-signed.ts";
import { admission, type PolicySpec, policies } from "../test/unit/engine/core/world.ts";

export const SCENARIO_NAMES = [
  "single-rule",
  "multi-rule",
  "many-images",
  "shared-image-signers",
  "many-images-50",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface Scenario {
  name: ScenarioName;
  description: string;
  request: AdmissionRequest;
  policies: VerifyImagesPolicy[];
  /**
   * At most this many timed evaluations per mode are required, whatever the
   * run asks (its time still gives the fast modes more samples): for a
   * scenario whose sequential mode takes seconds a run.
   */
  maxIterations?: number;
}

/** What the scenarios verify, as seeded at the registry itself. */
export interface SeededMaterial {
  /**
   * Images each signed by `attestedKey` with `.sig` and `.att` (every predicate
   * type), with Sigstore bundles of the same as referrers: the first
   * `MANY_IMAGES` of `attestedMany`.
   */
  attested: string[];
  /** `MORE_IMAGES` images signed and attested as `attested` are. */
  attestedMany: string[];
  attestedKey: string;
  /** One image signed by each of `signerKeys`. */
  multiSigned: string;
  signerKeys: string[];
}

/** Every predicate type the seeded images are attested with. */
export const PREDICATE_TYPES: readonly string[] = [SLSA_PROVENANCE, CYCLONEDX_BOM, COSIGN_VULN];
const MANY_IMAGES = 10;
const MORE_IMAGES = 50;
const SIGNERS = 5;
const CONTAINERS_OF_ONE_IMAGE = 8;

export async function seedScenarioImages(registry: RegistryInfo): Promise<SeededMaterial> {
  const [attested, multiSigned] = await Promise.all([
    seedSignedImages(registry, {
      images: MORE_IMAGES,
      signers: 1,
      attestations: PREDICATE_TYPES,
      // Bundles sit beside the classic signatures as referrers, as on a registry
      // that cosign v2 and v3 both push to; the Cosign rules must not be slowed by them.
      bundles: true,
      repository: "bench/attested",
    }),
    seedSignedImages(registry, { images: 1, signers: SIGNERS, repository: "bench/signers" }),
  ]);
  const image = multiSigned.images[0];
  const key = attested.keys[0];
  if (image === undefined || key === undefined) throw new Error("seeding returned no image");
  const attestedMany = attested.images.map((i) => i.reference);
  return {
    attested: attestedMany.slice(0, MANY_IMAGES),
    attestedMany,
    attestedKey: key.publicKeyPem,
    multiSigned: image.reference,
    signerKeys: multiSigned.keys.map((k) => k.publicKeyPem),
  };
}

/** A key attestor entry; the seeded signatures carry no transparency-log entry. */
function keyEntry(publicKeyPem: string): Record<string, unknown> {
  return {
    keys: { publicKeys: publicKeyPem, rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } },
  };
}

/** A condition as policies write them, so the attestation checks do their whole work. */
const CONDITIONS: Record<string, Record<string, unknown>[]> = {
  [SLSA_PROVENANCE]: [
    {
      all: [
        {
          key: "{{ runDetails.builder.id }}",
          operator: "Equals",
          value: "https://example.com/builder/v1",
        },
      ],
    },
  ],
  [CYCLONEDX_BOM]: [{ all: [{ key: "{{ bomFormat }}", operator: "Equals", value: "CycloneDX" }] }],
  [COSIGN_VULN]: [
    {
      all: [
        { key: "{{ scanner.result.vulnerabilities | length(@) }}", operator: "Equals", value: 0 },
      ],
    },
  ],
};

/**
 * One verifyImages entry for every image at `host`: the signature and each of
 * `types` by `keys` (all required).
 */
export function verifyImagesEntry(
  host: string,
  keys: readonly string[],
  types: readonly string[],
): Record<string, unknown> {
  const attestors = [{ entries: keys.map(keyEntry) }];
  return {
    imageReferences: [`${host}/*`],
    attestors,
    attestations: types.map((type) => ({ type, attestors, conditions: CONDITIONS[type] })),
  };
}

/** Builds the scenarios over `material`, every image reached through the proxy at `proxyHost`. */
export function buildScenarios(
  material: SeededMaterial,
  registryHost: string,
  proxyHost: string,
): Scenario[] {
  const viaProxy = (reference: string): string => {
    if (!reference.startsWith(`${registryHost}/`)) throw new Error(`not seeded here: ${reference}`);
    return `${proxyHost}${reference.slice(registryHost.length)}`;
  };
  const attested = material.attested.map(viaProxy);
  const attestedMany = material.attestedMany.map(viaProxy);
  const first = attested[0] as string;
  const key = [material.attestedKey];
  const everyType: PolicySpec = {
    name: "signed-and-attested",
    entries: [verifyImagesEntry(proxyHost, key, PREDICATE_TYPES)],
  };
  // Each rule wants the signature and two of the three attestations, as separate teams' policies do.
  const pairs = [
    [SLSA_PROVENANCE, CYCLONEDX_BOM],
    [SLSA_PROVENANCE, COSIGN_VULN],
    [CYCLONEDX_BOM, COSIGN_VULN],
  ];
  const multi: PolicySpec[] = [0, 1, 2].map((p) => ({
    name: `team-${p + 1}`,
    rules: [0, 1].map((r) => ({
      name: `rule-${r + 1}`,
      entries: [verifyImagesEntry(proxyHost, key, pairs[(p + r) % pairs.length] as string[])],
    })),
  }));
  return [
    {
      name: "single-rule",
      description: "one Pod, one image by tag, one rule: signature + 3 attestations",
      request: admission([{ name: "app", image: first }]),
      policies: policies(everyType),
    },
    {
      name: "multi-rule",
      description: "one Pod, one image, 3 policies x 2 rules, each signature + 2 attestations",
      request: admission([{ name: "app", image: first }]),
      policies: policies(...multi),
    },
    manyImages("many-images", attested, everyType),
    {
      name: "shared-image-signers",
      description: `${CONTAINERS_OF_ONE_IMAGE} containers of one image, ${material.signerKeys.length} key attestors`,
      request: admission(
        Array.from({ length: CONTAINERS_OF_ONE_IMAGE }, (_, i) => ({
          name: `c${i + 1}`,
          image: viaProxy(material.multiSigned),
        })),
      ),
      policies: policies({
        name: "five-signers",
        entries: [verifyImagesEntry(proxyHost, material.signerKeys, [])],
      }),
    },
    // Sequential, 50 images take about 13 s a run: timed once, the fast modes more often.
    { ...manyImages("many-images-50", attestedMany, everyType), maxIterations: 1 },
  ];
}

/** A Deployment of `images`, one rule wanting the signature and every attestation of each. */
function manyImages(
  name: ScenarioName,
  images: readonly string[],
  everyType: PolicySpec,
): Scenario {
  return {
    name,
    description: `a Deployment with ${images.length} distinct images, one rule`,
    request: admission(
      images.map((image, i) => ({ name: `c${i + 1}`, image })),
      "Deployment",
    ),
    policies: policies({
      ...everyType,
      rules: [{ name: "r0", entries: everyType.entries ?? [], kinds: ["Deployment"] }],
    }),
  };
}
