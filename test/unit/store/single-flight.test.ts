import { describe, expect, it } from "vitest";
import { SingleFlight } from "../../../src/store/single-flight.ts";

function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("SingleFlight", () => {
  it("runs one load for N concurrent identical gets", async () => {
    const store = new SingleFlight<string, number>();
    const gate = deferred<number>();
    let loads = 0;
    const load = (): Promise<number> => {
      loads++;
      return gate.promise;
    };
    const waiters = Array.from({ length: 50 }, () => store.get("GET https://r/v2/a", load));
    gate.resolve(42);
    expect(await Promise.all(waiters)).toEqual(Array(50).fill(42));
    expect(loads).toBe(1);
    expect(store.stats).toEqual({ loads: 1, shared: 49 });
  });

  it("keeps a fulfilled result for later gets of the same request", async () => {
    const store = new SingleFlight<string, string>();
    let loads = 0;
    const load = async (): Promise<string> => `v${++loads}`;
    expect(await store.get("k", load)).toBe("v1");
    expect(await store.get("k", load)).toBe("v1");
    expect(loads).toBe(1);
  });

  it("loads distinct keys separately", async () => {
    const store = new SingleFlight<string, string>();
    const [a, b] = await Promise.all([
      store.get("a", async () => "A"),
      store.get("b", async () => "B"),
    ]);
    expect([a, b]).toEqual(["A", "B"]);
    expect(store.stats.loads).toBe(2);
  });

  it("hands a rejection to every waiter, then forgets it", async () => {
    const store = new SingleFlight<string, string>();
    const gate = deferred<string>();
    let loads = 0;
    const failing = (): Promise<string> => {
      loads++;
      return gate.promise;
    };
    const waiters = [store.get("k", failing), store.get("k", failing)];
    gate.reject(new Error("503 from registry"));
    for (const w of waiters) await expect(w).rejects.toThrow("503 from registry");
    expect(store.has("k")).toBe(false);
    expect(await store.get("k", async () => "recovered")).toBe("recovered");
    expect(loads).toBe(1);
  });

  it("turns a synchronous throw in load into a shared rejection", async () => {
    const store = new SingleFlight<string, string>();
    const load = (): Promise<string> => {
      throw new Error("bad key");
    };
    await expect(store.get("k", load)).rejects.toThrow("bad key");
    expect(store.size).toBe(0);
  });

  it("does not let a settled failure evict a newer entry", async () => {
    const store = new SingleFlight<string, string>();
    const first = deferred<string>();
    const p1 = store.get("k", () => first.promise);
    store.clear();
    const p2 = store.get("k", async () => "fresh");
    first.reject(new Error("old"));
    await expect(p1).rejects.toThrow("old");
    expect(await p2).toBe("fresh");
    expect(store.has("k")).toBe(true);
  });

  it("leaves nothing behind once cleared", async () => {
    const store = new SingleFlight<string, Uint8Array>();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.get(`k${i}`, async () => new Uint8Array(1024))),
    );
    expect(store.size).toBe(10);
    store.clear();
    expect(store.size).toBe(0);
  });
});
