import { digestProblem } from "./content/digest.ts";
import { OciError } from "./errors.ts";

/**
 * Image references in the Docker grammar, normalised the way `docker pull`
 * and the kubelet read them: `nginx`, `DOCKER.IO/nginx` and
 * `index.docker.io:443/library/nginx` are all `docker.io/library/nginx:latest`.
 * The repository path stays case-sensitive: upper case there is an error.
 */

/** A repository on a registry: `registry` is `host[:port]` normalised (IPv6 in brackets). */
export interface Repository {
  readonly registry: string;
  /** Path on the registry, e.g. `library/nginx`. */
  readonly repository: string;
}

/** A repository plus a tag, a digest or both (the digest wins when fetching). */
export interface ImageReference extends Repository {
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

export const DOCKER_HUB = "docker.io";
const DOCKER_HUB_API = "registry-1.docker.io";
const DOCKER_HUB_ALIASES: readonly string[] = [DOCKER_HUB, "index.docker.io", DOCKER_HUB_API];

const MAX_INPUT = 1024;
const MAX_NAME = 255;
const TAG = /^[\w][\w.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_NAME =
  /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;
const IPV6_LITERAL = /^\[[0-9a-fA-F:.]+\]$/;

/** Parses `input`; throws `REFERENCE_INVALID` naming the input and what is wrong. */
export function parseReference(input: string): ImageReference {
  const fail = (problem: string): never => {
    throw invalid(input, problem);
  };
  if (typeof input !== "string") return fail("not a string");
  if (input.length === 0) return fail("empty");
  if (input.length > MAX_INPUT) return fail(`longer than ${MAX_INPUT} characters`);

  const at = input.indexOf("@");
  const digest = at < 0 ? undefined : input.slice(at + 1);
  const nameAndTag = at < 0 ? input : input.slice(0, at);
  const colon = nameAndTag.lastIndexOf(":");
  const hasTag = colon > nameAndTag.lastIndexOf("/");
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;

  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  const hasDomain = /[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase();
  const registry = normaliseRegistry(hasDomain ? first : DOCKER_HUB);
  let repository = hasDomain ? name.slice(slash + 1) : name;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;

  const ref = { registry, repository, tag: tag ?? (digest ? undefined : "latest"), digest };
  const problem = referenceProblem(ref);
  return problem === undefined ? Object.freeze(ref) : fail(problem);
}

/** Throws `REFERENCE_INVALID` unless `ref` (perhaps built by hand) is well formed. */
export function assertReference(ref: ImageReference | Repository): void {
  const problem = referenceProblem({ tag: undefined, digest: undefined, ...ref });
  if (problem !== undefined) {
    throw invalid(formatReference({ tag: undefined, digest: undefined, ...ref }), problem);
  }
}

/** `registry/repository[:tag][@digest]`, the canonical, fully qualified form. */
export function formatReference(ref: ImageReference): string {
  const tag = ref.tag === undefined ? "" : `:${ref.tag}`;
  const digest = ref.digest === undefined ? "" : `@${ref.digest}`;
  return `${formatRepository(ref)}${tag}${digest}`;
}

/** `registry/repository`. */
export function formatRepository(repo: Repository): string {
  return `${repo.registry}/${repo.repository}`;
}

/** The same image pinned to `digest` (the tag is kept for messages). */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  return Object.freeze({ ...ref, digest });
}

/**
 * The registry as the container runtime dials it, so that one registry has
 * one name: the host in lower case (DNS names are case-insensitive), no
 * `:443` (the https default; `:80` is kept, as containerd keeps it), and
 * `index.docker.io` and `registry-1.docker.io` are `docker.io`.
 */
export function normaliseRegistry(host: string): string {
  const lower = host.toLowerCase();
  const colon = lower.lastIndexOf(":");
  const port = colon > lower.lastIndexOf("]") ? lower.slice(colon + 1) : undefined;
  // A port the grammar refuses is left for registryProblem to name.
  const numeric = port !== undefined && /^\d{1,5}$/.test(port) ? Number(port) : undefined;
  const name = numeric === undefined ? lower : lower.slice(0, colon);
  const bare = numeric === undefined || numeric === 443 ? name : `${name}:${numeric}`;
  return DOCKER_HUB_ALIASES.includes(bare) ? DOCKER_HUB : bare;
}

/** The host that serves the Distribution API for `registry`. */
export function registryApiHost(registry: string): string {
  return normaliseRegistry(registry) === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

function referenceProblem(ref: ImageReference): string | undefined {
  const { registry, repository, tag, digest } = ref;
  const hostProblem = registryProblem(registry);
  if (hostProblem !== undefined) return hostProblem;
  if (repository.length === 0) return "the repository name is empty";
  for (const component of repository.split("/")) {
    if (PATH_COMPONENT.test(component)) continue;
    if (component.length === 0) return `the repository "${repository}" has an empty path component`;
    if (PATH_COMPONENT.test(component.toLowerCase())) {
      return "the repository name must be lower case";
    }
    return `"${component}" is not a valid repository path component (a-z, 0-9, separated by ".", "_", "__" or "-")`;
  }
  if (registry.length + 1 + repository.length > MAX_NAME) {
    return `the name is longer than ${MAX_NAME} characters`;
  }
  if (tag !== undefined && !TAG.test(tag)) {
    return `the tag "${tag}" is not valid (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)`;
  }
  return digest === undefined ? undefined : digestProblem(digest);
}

function registryProblem(registry: string): string | undefined {
  const portColon = registry.startsWith("[")
    ? registry.indexOf(":", registry.indexOf("]"))
    : registry.indexOf(":");
  const host = portColon < 0 ? registry : registry.slice(0, portColon);
  const port = portColon < 0 ? undefined : registry.slice(portColon + 1);
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) {
    return `the registry port "${port}" is not a number from 0 to 65535`;
  }
  if (DOMAIN_NAME.test(host)) return undefined;
  if (IPV6_LITERAL.test(host) && URL.canParse(`http://${host}/`)) return undefined;
  return `the registry host "${host}" is not a domain name, IPv4 address or bracketed IPv6 address`;
}

function invalid(input: string, problem: string): OciError {
  const shown = input.length > 120 ? `${input.slice(0, 120)}...` : input;
  return new OciError("REFERENCE_INVALID", `invalid image reference "${shown}": ${problem}`, {
    reference: shown,
  });
}
