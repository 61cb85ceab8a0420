/** The proxy log's measures over hand-made logs, where timings are exact. */
import { describe, expect, it } from "vitest";
import { criticalPathRtts, type LoggedRequest, requestStats } from "../../support/proxy-log.ts";

const request = (startedAt: number, endedAt: number, path = "/v2/"): LoggedRequest => ({
  method: "GET",
  path,
  status: 200,
  startedAt,
  endedAt,
});

describe("criticalPathRtts", () => {
  it("is 0 for no requests and 1 for one", () => {
    expect(criticalPathRtts([])).toBe(0);
    expect(criticalPathRtts([request(0, 10)])).toBe(1);
  });

  it("counts a request starting exactly when another ended as dependent", () => {
    expect(criticalPathRtts([request(10, 20), request(0, 10), request(20, 30)])).toBe(3);
  });

  it("does not chain overlapping requests", () => {
    expect(criticalPathRtts([request(0, 10), request(5, 15), request(9, 30)])).toBe(1);
  });

  it("takes the longest chain, not the first one found", () => {
    // A long request beside a chain of three short ones, then one after all of them.
    const log = [request(0, 35), request(0, 10), request(10, 20), request(20, 30), request(36, 40)];
    expect(criticalPathRtts(log)).toBe(4);
    // The final request started before the short chain ended: only the long one precedes it.
    expect(
      criticalPathRtts([request(0, 12), request(0, 10), request(10, 20), request(13, 14)]),
    ).toBe(2);
  });
});

describe("requestStats", () => {
  it("keys requests by method, path and query, most repeated duplicates first", () => {
    const log = [
      request(0, 1, "/v2/a"),
      request(0, 1, "/v2/b"),
      request(0, 1, "/v2/b"),
      request(0, 1, "/v2/a?n=1"),
      request(0, 1, "/v2/b"),
      request(0, 1, "/v2/a"),
      { ...request(0, 1, "/v2/a"), method: "HEAD" },
    ];
    expect(requestStats(log)).toEqual({
      requests: 7,
      distinct: 4,
      duplicates: [
        { key: "GET /v2/b", count: 3 },
        { key: "GET /v2/a", count: 2 },
      ],
    });
  });
});
