/**
 * The store mode's critical path: the longest chain of requests each started
 * after the previous ended (see test/support/proxy-log.ts), taken within each
 * repository. The scenarios keep their signatures beside their images, so an
 * answer about one repository never tells the client what to ask of another;
 * chaining across repositories would count a request that a busy client sent
 * late as dependent on another image's requests.
 */
import { criticalPathRtts, type LoggedRequest } from "../test/support/proxy-log.ts";

const DISTRIBUTION_PATH = /^\/v2\/(.+?)\/(?:manifests|blobs|tags|referrers)\//;

/** The repository a Distribution API path names; other paths form a group of their own. */
export function repositoryOf(path: string): string {
  return DISTRIBUTION_PATH.exec(path)?.[1] ?? path;
}

/** The longest chain of each repository's requests in one evaluation's log. */
export function repositoryChains(log: readonly LoggedRequest[]): Map<string, number> {
  const groups = new Map<string, LoggedRequest[]>();
  for (const request of log) {
    const key = repositoryOf(request.path);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [request]);
    else group.push(request);
  }
  return new Map([...groups].map(([repository, group]) => [repository, criticalPathRtts(group)]));
}

/**
 * The critical path over several evaluations of one admission: load can only
 * lengthen a repository's chain (a request sent late looks dependent), so
 * each repository counts with its shortest chain, and the path is the
 * longest of those.
 */
export function fewestRoundTrips(runs: readonly Map<string, number>[]): number {
  const shortest = new Map<string, number>();
  for (const chains of runs) {
    for (const [repository, length] of chains) {
      shortest.set(repository, Math.min(shortest.get(repository) ?? length, length));
    }
  }
  return Math.max(0, ...shortest.values());
}
