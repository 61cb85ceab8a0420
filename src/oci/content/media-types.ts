/** Media types of the OCI image and Distribution specs and their Docker v2 ancestors. */

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** Docker schema 1 manifests: unsigned and signed. Refused (no content digest, deprecated). */
export const DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
export const DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/** Media types of manifests that list layers: an image (or artifact) manifest. */
export const IMAGE_MANIFEST_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];
/** Media types of manifests that list other manifests. */
export const INDEX_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
/** Every manifest media type this client accepts, most preferred first. */
export const MANIFEST_TYPES: readonly string[] = [...IMAGE_MANIFEST_TYPES, ...INDEX_TYPES];

/** The `Accept` header for manifest requests: every accepted type, schema 1 left out. */
export const MANIFEST_ACCEPT: string = MANIFEST_TYPES.join(", ");

export function isIndexType(mediaType: string): boolean {
  return INDEX_TYPES.includes(mediaType);
}

export function isSchema1Type(mediaType: string): boolean {
  return mediaType === DOCKER_SCHEMA1 || mediaType === DOCKER_SCHEMA1_SIGNED;
}

/** The media type of a `Content-Type` value: parameters dropped, lower case. */
export function bareMediaType(contentType: string | null): string | undefined {
  const bare = contentType?.split(";", 1)[0]?.trim().toLowerCase();
  return bare ? bare : undefined;
}
