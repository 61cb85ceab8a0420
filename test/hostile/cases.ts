import type { OciErrorCode } from "../../src/oci/errors.ts";
import {
  type Behaviour,
  drip,
  endless,
  fakeReferrers,
  flipByte,
  gzipped,
  type HostileRegistry,
  hang,
  mediaType,
  redirectLoop,
  referrersIndex,
  resetMidBody,
  rewriteBody,
  startHostileRegistry,
  status,
} from "./hostile-registry.ts";

/**
 * The table both the CLI and the webhook suites run: one misbehaviour of the
 * registry per case, aimed at the request that carries the signature (the
 * cosign `.sig` manifest, or the referrers list for Sigstore bundles), and
 * the coded error the client must answer it with. The case name is also the
 * first repository component of the image, which the hostile server strips.
 */

export type Aim = "cosign" | "bundle";

export interface HostileCase {
  name: string;
  /** Which seeded image, and so which request the behaviour hits. */
  aim: Aim;
  behaviour: Behaviour | undefined;
  /** The error code reported; undefined for the control cases, which verify. */
  code: OciErrorCode | undefined;
  /** What the message must say, in the CLI's error and the webhook's denial. */
  says: RegExp;
  /** Assert the webhook's RSS grows less than the bound. */
  memory?: boolean;
}

export const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const INDEX = "application/vnd.oci.image.index.v1+json";
const SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+prettyjws";
// The CLI names the fetch whose deadline passed; the webhook, the check not done in time.
const TIMED_OUT = /deadline passed|timed out verifying image .*: signatures not checked in time/;
const subjectOf = (path: string): string => path.split("/referrers/")[1]?.split("?")[0] ?? "";

/** Where in a case's traffic its behaviour applies. */
export function aimAt(aim: Aim, path: string): boolean {
  return aim === "cosign" ? path.endsWith(".sig") : path.includes("/referrers/");
}

/** One server for the whole table: `/v2/<case>/...` meets that case's behaviour where it aims. */
export function startCaseRegistry(
  upstream: string,
  cases: readonly HostileCase[],
): Promise<HostileRegistry> {
  const byName = new Map(cases.map((c) => [c.name, c]));
  return startHostileRegistry({
    upstream,
    cases: true,
    choose: ({ path, case: name }) => {
      const hostile = byName.get(name ?? "");
      return hostile && aimAt(hostile.aim, path) ? hostile.behaviour : undefined;
    },
  });
}

/** `bomb`: a small gzip body that inflates huge (see `gzipBomb`). */
export function hostileCases(bomb: Buffer): HostileCase[] {
  return [
    { name: "pass-cosign", aim: "cosign", behaviour: undefined, code: undefined, says: /./ },
    { name: "pass-bundle", aim: "bundle", behaviour: undefined, code: undefined, says: /./ },
    { name: "hang", aim: "cosign", behaviour: hang, code: "TIMEOUT", says: TIMED_OUT },
    { name: "drip", aim: "cosign", behaviour: drip(200), code: "TIMEOUT", says: TIMED_OUT },
    {
      name: "huge-manifest",
      aim: "cosign",
      behaviour: endless(MANIFEST),
      code: "TOO_LARGE",
      says: /more than the limit of 4194304 bytes/,
      memory: true,
    },
    {
      name: "digest-mismatch",
      aim: "cosign",
      behaviour: rewriteBody(flipByte),
      code: "DIGEST_MISMATCH",
      says: /content digest is sha256:[0-9a-f]{64}, expected sha256:/,
    },
    {
      // Cut short with a matching Content-Length and no Docker-Content-Digest:
      // nothing but the JSON parser can notice.
      name: "truncated-json",
      aim: "cosign",
      behaviour: rewriteBody((body) => body.subarray(0, body.length >> 1), true),
      code: "MANIFEST_INVALID",
      says: /not JSON/,
    },
    {
      name: "wrong-media-type",
      aim: "cosign",
      behaviour: mediaType(SCHEMA1),
      code: "MANIFEST_UNSUPPORTED",
      says: /schema 1 manifest, which is not supported/,
    },
    {
      // A Content-Type that contradicts the bytes changes nothing: the media
      // type is read from the digest-covered JSON (by design, see parseManifest).
      name: "media-type-lie",
      aim: "cosign",
      behaviour: mediaType(INDEX),
      code: undefined,
      says: /./,
    },
    {
      name: "redirect-loop",
      aim: "cosign",
      behaviour: redirectLoop,
      code: "REDIRECT_REFUSED",
      says: /more than 5 redirects/,
    },
    {
      // An index that lists its own subject and names itself as the next page.
      name: "self-referrers",
      aim: "bundle",
      behaviour: referrersIndex(
        (path) => [{ mediaType: MANIFEST, digest: subjectOf(path), size: 500 }],
        (e) => ({ link: `<${e.req.url}>; rel="next"` }),
      ),
      code: "TOO_LARGE",
      says: /referrers: more than 20 pages/,
    },
    {
      name: "many-referrers",
      aim: "bundle",
      behaviour: referrersIndex((path) => fakeReferrers(5000, subjectOf(path))),
      code: "TOO_LARGE",
      says: /referrers: more than 1000 entries/,
    },
    {
      name: "status-429",
      aim: "cosign",
      behaviour: status(429, { "retry-after": "1" }),
      code: "RATE_LIMITED",
      says: /HTTP 429.*gave up after 3 attempts/,
    },
    {
      name: "status-503",
      aim: "cosign",
      behaviour: status(503, { "retry-after": "120" }),
      code: "RATE_LIMITED",
      says: /HTTP 503.*asks to wait 120000 ms/,
    },
    {
      name: "reset-mid-body",
      aim: "cosign",
      behaviour: resetMidBody,
      code: "TRUNCATED",
      says: /body ended after \d+ of \d+ bytes/,
    },
    {
      name: "gzip-bomb",
      aim: "cosign",
      behaviour: gzipped(() => bomb, MANIFEST),
      code: "ENCODING_REFUSED",
      says: /Content-Encoding "gzip"/,
      memory: true,
    },
  ];
}
