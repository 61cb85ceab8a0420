import type {
  Attestor,
  AttestorSet,
  CTLog,
  KeysAttestor,
  Rekor,
  VerificationType,
} from "../types.ts";
import { FieldReader, type IssueSink } from "./reader.ts";

const PUBLIC_REKOR = "https://rekor.sigstore.dev";
const SIGNATURE_ALGORITHMS = ["sha224", "sha256", "sha384", "sha512"] as const;
const MAX_NESTING = 4;
/** Key references that need a KMS or the Kubernetes API, which imgverify does not call. */
const REMOTE_KEY = /^(awskms|gcpkms|azurekms|hashivault|k8s):\/\//;

/** A Secret named the way cosign names it: `k8s://namespace/name` (DNS-1123 names). */
const K8S_KEY = /^k8s:\/\/([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\/([a-z0-9](?:[-a-z0-9.]*[a-z0-9])?)$/;

export function isRemoteKeyReference(value: string): boolean {
  return REMOTE_KEY.test(value.trim());
}

/** Why a KMS or k8s:// key reference is refused, naming its scheme. */
export function remoteKeyRefusal(value: string): string {
  const scheme = REMOTE_KEY.exec(value.trim())?.[1] ?? "KMS";
  return scheme === "k8s"
    ? "a k8s:// key reference must be written k8s://namespace/name (resolved from variables it is not read; use keys.secret)"
    : `${scheme}:// key references need ${scheme === "hashivault" ? "HashiCorp Vault" : "a cloud KMS"} (${scheme}), which imgverify does not call; give the PEM public key in publicKeys`;
}

function parseRekor(r: FieldReader, required: boolean): Rekor | undefined {
  const k = r.object("rekor", ["url", "pubkey", "ignoreTlog"]);
  if (k === undefined) return undefined;
  const url = k.string("url", required) ?? PUBLIC_REKOR;
  return { url, pubkey: k.string("pubkey"), ignoreTlog: k.boolean("ignoreTlog", false) };
}

function parseCTLog(r: FieldReader): CTLog | undefined {
  const c = r.object("ctlog", ["ignoreSCT", "pubkey", "tsaCertChain"]);
  if (c === undefined) return undefined;
  return {
    ignoreSCT: c.boolean("ignoreSCT", false),
    pubkey: c.string("pubkey"),
    tsaCertChain: c.string("tsaCertChain"),
  };
}

function parseKeys(
  r: FieldReader,
  attestorAlgorithm: string | undefined,
): Omit<KeysAttestor, "path" | "annotations" | "repository"> | undefined {
  const k = r.object("keys", [
    "publicKeys",
    "signatureAlgorithm",
    "kms",
    "secret",
    "rekor",
    "ctlog",
  ]);
  if (k === undefined) return undefined;
  const kms = k.string("kms");
  if (kms !== undefined) k.issue("UNSUPPORTED_FEATURE", "kms", remoteKeyRefusal(kms));
  const secretFields = k.object("secret", ["name", "namespace"]);
  const secret = secretFields && {
    name: secretFields.string("name", true) ?? "",
    namespace: secretFields.string("namespace", true) ?? "",
  };
  if (secret !== undefined && k.has("publicKeys")) {
    k.issue("FIELD_INVALID", "secret", "give publicKeys or secret, not both");
  }
  const written = secret === undefined ? k.string("publicKeys", !k.has("kms")) : "";
  // `k8s://namespace/name` is cosign's spelling of keys.secret.
  const k8s = written === undefined ? null : K8S_KEY.exec(written.trim());
  const publicKeys = k8s === null ? written : "";
  const secretRef = k8s === null ? secret : { namespace: k8s[1] ?? "", name: k8s[2] ?? "" };
  if (publicKeys !== undefined && isRemoteKeyReference(publicKeys)) {
    k.issue("UNSUPPORTED_FEATURE", "publicKeys", remoteKeyRefusal(publicKeys));
  }
  const algorithm =
    k.oneOf("signatureAlgorithm", SIGNATURE_ALGORITHMS) ?? attestorAlgorithm ?? "sha256";
  const rekor = parseRekor(k, false);
  const ctlog = parseCTLog(k);
  if (publicKeys === undefined) return undefined;
  return {
    kind: "keys",
    publicKeys,
    secret: secretRef,
    signatureAlgorithm: algorithm as KeysAttestor["signatureAlgorithm"],
    rekor,
    ctlog,
  };
}

function parseEntry(
  value: unknown,
  path: string,
  sink: IssueSink,
  type: VerificationType,
  depth: number,
): Attestor | undefined {
  const kinds = ["keys", "certificates", "keyless", "attestor"] as const;
  const r = FieldReader.of(value, path, sink, [
    ...kinds,
    "annotations",
    "repository",
    "signatureAlgorithm",
  ]);
  if (r === undefined) return undefined;
  const present = kinds.filter((k) => r.has(k));
  if (present.length !== 1) {
    r.issue(
      "FIELD_INVALID",
      undefined,
      "exactly one of keys, certificates, keyless or a nested attestor is required",
    );
  }
  if (type === "Notary" && (r.has("keys") || r.has("keyless"))) {
    r.issue(
      "FIELD_INVALID",
      r.has("keys") ? "keys" : "keyless",
      "type Notary verifies with certificates only",
    );
  }
  const common = {
    path,
    annotations: r.stringMap("annotations"),
    repository: r.string("repository"),
  };
  const algorithm = r.oneOf("signatureAlgorithm", SIGNATURE_ALGORITHMS);
  const keys = parseKeys(r, algorithm);
  if (keys !== undefined) return { ...common, ...keys };
  const c = r.object("certificates", ["cert", "certChain", "rekor", "ctlog"]);
  if (c !== undefined) {
    const cert = c.string("cert");
    const certChain = c.string("certChain");
    if (cert === undefined && certChain === undefined)
      c.issue("FIELD_REQUIRED", undefined, "cert or certChain is required");
    if (type === "Notary") {
      c.refuse("rekor", "Notary verification uses no transparency log; remove it");
      // A timestamp authority does apply: it countersigns Notary signatures (RFC 3161).
      const l = c.object("ctlog", ["ignoreSCT", "pubkey", "tsaCertChain"]);
      for (const k of ["ignoreSCT", "pubkey"])
        l?.refuse(k, "Notary verification uses no transparency log; only tsaCertChain applies");
    }
    return {
      ...common,
      kind: "certificates",
      cert,
      certChain,
      rekor: parseRekor(c, false),
      ctlog: parseCTLog(c),
    };
  }
  const keyless = r.object("keyless", [
    "rekor",
    "ctlog",
    "issuer",
    "issuerRegExp",
    "subject",
    "subjectRegExp",
    "roots",
    "additionalExtensions",
  ]);
  if (keyless !== undefined) {
    const roots = keyless.string("roots");
    if (!keyless.has("rekor") && roots === undefined) {
      keyless.issue("FIELD_REQUIRED", "rekor", "rekor (with a url) or roots is required");
    }
    return {
      ...common,
      kind: "keyless",
      subject: keyless.string("subject"),
      issuer: keyless.string("issuer"),
      subjectRegExp: keyless.string("subjectRegExp"),
      issuerRegExp: keyless.string("issuerRegExp"),
      roots,
      additionalExtensions: keyless.stringMap("additionalExtensions"),
      rekor: parseRekor(keyless, true),
      ctlog: parseCTLog(keyless),
    };
  }
  if (!r.has("attestor")) return undefined;
  if (depth >= MAX_NESTING) {
    r.issue("FIELD_INVALID", "attestor", `nested attestors deeper than ${MAX_NESTING} levels`);
    return undefined;
  }
  const nested = parseAttestorSet(r.raw("attestor"), r.at("attestor"), sink, type, depth + 1);
  return nested === undefined ? undefined : { ...common, kind: "nested", attestorSet: nested };
}

/** An attestor set: `count` of `entries` must verify (all when `count` is absent). */
export function parseAttestorSet(
  value: unknown,
  path: string,
  sink: IssueSink,
  type: VerificationType,
  depth = 0,
): AttestorSet | undefined {
  const r = FieldReader.of(value, path, sink, ["count", "entries"]);
  if (r === undefined) return undefined;
  const items = r.list("entries");
  if (items.length === 0) r.issue("FIELD_REQUIRED", "entries", "at least one entry is required");
  const count = r.integer("count", 1, Math.max(1, items.length));
  const entries = items.flatMap(
    ({ value: v, path: p }) => parseEntry(v, p, sink, type, depth) ?? [],
  );
  return { path, count, entries };
}
