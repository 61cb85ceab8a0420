/** Attestors of `verifyImages` entries and attestations: who must have signed. */

export interface AttestorSet {
  readonly path: string;
  /** How many entries must verify; undefined means all of them (after multi-key expansion). */
  readonly count: number | undefined;
  readonly entries: readonly Attestor[];
}

export type Attestor = KeysAttestor | CertificatesAttestor | KeylessAttestor | NestedAttestor;

interface AttestorCommon {
  readonly path: string;
  /** Annotations that must be present, with these values, in the signed payload. */
  readonly annotations: Readonly<Record<string, string>>;
  readonly repository: string | undefined;
}

export interface KeysAttestor extends AttestorCommon {
  readonly kind: "keys";
  /**
   * One or more PEM public keys (several are split into entries by
   * `resolveRule`); empty while `secret` names where they are.
   */
  readonly publicKeys: string;
  /** `keys.secret`: the Secret whose `cosign.pub` holds the keys, read per admission. */
  readonly secret: SecretReference | undefined;
  readonly signatureAlgorithm: "sha224" | "sha256" | "sha384" | "sha512";
  readonly rekor: Rekor | undefined;
  readonly ctlog: CTLog | undefined;
}

export interface CertificatesAttestor extends AttestorCommon {
  readonly kind: "certificates";
  readonly cert: string | undefined;
  readonly certChain: string | undefined;
  readonly rekor: Rekor | undefined;
  readonly ctlog: CTLog | undefined;
}

export interface KeylessAttestor extends AttestorCommon {
  readonly kind: "keyless";
  /** Kyverno wildcard patterns (exact when no `*`/`?`). */
  readonly subject: string | undefined;
  readonly issuer: string | undefined;
  /** Go RE2 syntax regular expressions, as written. */
  readonly subjectRegExp: string | undefined;
  readonly issuerRegExp: string | undefined;
  /** PEM roots replacing the public Fulcio roots. */
  readonly roots: string | undefined;
  readonly additionalExtensions: Readonly<Record<string, string>>;
  readonly rekor: Rekor | undefined;
  readonly ctlog: CTLog | undefined;
}

export interface NestedAttestor extends AttestorCommon {
  readonly kind: "nested";
  readonly attestorSet: AttestorSet;
}

/** Transparency log settings; absent means the public Rekor with the log required. */
export interface Rekor {
  readonly url: string;
  readonly pubkey: string | undefined;
  readonly ignoreTlog: boolean;
}

/** Certificate transparency settings; absent means SCTs are required. */
export interface SecretReference {
  readonly name: string;
  readonly namespace: string;
}

export interface CTLog {
  readonly ignoreSCT: boolean;
  readonly pubkey: string | undefined;
  /** PEM chain of the RFC 3161 timestamp authority whose timestamps are trusted. */
  readonly tsaCertChain: string | undefined;
}
