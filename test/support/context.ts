// Plain-data descriptions of the harness's registries and seeded images. They
// cross from vitest's globalSetup to test workers through provide()/inject(),
// so everything here must be JSON-serialisable.

export type RegistryMode = "anonymous" | "basic" | "token";

export interface Credentials {
  username: string;
  password: string;
}

export interface TokenAuthInfo {
  /** The token endpoint named in the registry's `Bearer realm=...` challenge. */
  realm: string;
  service: string;
  issuer: string;
  /** Credentials the token server accepts but grants nothing to. */
  denied: Credentials;
}

export interface RegistryInfo {
  mode: RegistryMode;
  /** "127.0.0.1:PORT", as used in image references. */
  host: string;
  /** "http://127.0.0.1:PORT". */
  url: string;
  /** Absent in anonymous mode. */
  username?: string;
  password?: string;
  /** Present in token mode. */
  token?: TokenAuthInfo;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface PushedImage {
  /** "HOST/REPO:TAG". */
  reference: string;
  repository: string;
  tag: string;
  /** Manifest digest, as computed locally and confirmed by the registry. */
  digest: string;
  mediaType: string;
  platform: Platform;
}

export interface PushedIndex {
  reference: string;
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
  manifests: { digest: string; platform: Platform }[];
}

/** Images pushed into every harness registry before the integration run. */
export interface SeededImages {
  /** OCI manifest, linux/amd64. */
  ociImage: PushedImage;
  /** Docker v2 schema 2 manifest, linux/amd64. */
  dockerImage: PushedImage;
  /** OCI index of linux/amd64 and linux/arm64. */
  index: PushedIndex;
}

declare module "vitest" {
  export interface ProvidedContext {
    registries: Record<RegistryMode, RegistryInfo>;
    seededImages: Record<RegistryMode, SeededImages>;
  }
}
