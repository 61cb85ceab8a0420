/** What the registry proxy records, and the measures taken from it. */

export interface LoggedRequest {
  method: string;
  /** Path with its query, as the client sent it. */
  path: string;
  /** The upstream status; 502 when the registry could not be reached, 0 when the client left first. */
  status: number;
  /** Epoch milliseconds (fractional) when the proxy got the request head. */
  startedAt: number;
  /** Epoch milliseconds when the response was fully written (or the exchange was cut). */
  endedAt: number;
}

export interface RequestStats {
  requests: number;
  distinct: number;
  /** `METHOD path?query` keys asked more than once, most repeated first. */
  duplicates: { key: string; count: number }[];
}

export function requestKey(request: Pick<LoggedRequest, "method" | "path">): string {
  return `${request.method} ${request.path}`;
}

export function requestStats(log: readonly LoggedRequest[]): RequestStats {
  const counts = new Map<string, number>();
  for (const request of log) {
    const key = requestKey(request);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const duplicates = [...counts]
    .filter(([, count]) => count > 1)
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  return { requests: log.length, distinct: counts.size, duplicates };
}

/**
 * The number of requests in the longest chain of dependent requests, where B
 * depends on A when B started at or after A ended (B could have needed A's
 * answer). With every request costing one injected round trip, this is the
 * least number of round trips the observed work could have been done in
 * given its ordering: 3 sequential requests give 3, 3 concurrent ones give 1.
 * It is an upper bound on true dependence: a request that merely happened to
 * start late counts as dependent. O(n log n): requests are taken in start
 * order, and every request that ended by then contributes its chain length.
 */
export function criticalPathRtts(log: readonly LoggedRequest[]): number {
  const byStart = [...log].sort((a, b) => a.startedAt - b.startedAt || a.endedAt - b.endedAt);
  const chain = new Map<LoggedRequest, number>();
  const byEnd = [...log].sort((a, b) => a.endedAt - b.endedAt);
  let ended = 0;
  let longestEnded = 0;
  let longest = 0;
  for (const request of byStart) {
    while (ended < byEnd.length) {
      const done = byEnd[ended] as LoggedRequest;
      const length = chain.get(done);
      // Not yet taken in start order: it started with or after `request`, so it cannot precede it.
      if (done.endedAt > request.startedAt || length === undefined) break;
      longestEnded = Math.max(longestEnded, length);
      ended++;
    }
    const length = longestEnded + 1;
    chain.set(request, length);
    longest = Math.max(longest, length);
  }
  return longest;
}
