import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { type Logger, systemClock } from "../../../src/deps.ts";
import { nobleSha256 } from "../../../src/digest/noble.ts";
import type { Sha256 } from "../../../src/digest/types.ts";
import { ImgverifyError } from "../../../src/errors.ts";
import { type AppDeps, createApp } from "../../../src/http/app.ts";

function recordingLogger(): Logger & { lines: [string, string, unknown][] } {
  const lines: [string, string, unknown][] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push([level, message, fields]);
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

function deps(sha256: AppDeps["sha256"], logger: Logger = recordingLogger()): AppDeps {
  return {
    fetch: () => Promise.reject(new Error("no network in app tests")),
    clock: systemClock,
    logger,
    sha256,
  };
}

function deferred<T>(): {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
} {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("GET /healthz", () => {
  it("answers 200 ok even while the digest core loads", async () => {
    const app = createApp(deps(new Promise<Sha256>(() => {})));
    const res = await app.request("/healthz");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("GET /readyz", () => {
  it("is ready at once with a loaded digest core and names it", async () => {
    const res = await createApp(deps(nobleSha256)).request("/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", sha256: "noble" });
  });

  it("answers 503 while the core loads, then 200 with its implementation", async () => {
    const core = deferred<Sha256>();
    const app = createApp(deps(core.promise));
    const loading = await app.request("/readyz");
    expect(loading.status).toBe(503);
    expect(await loading.json()).toEqual({ status: "loading" });
    core.resolve({ ...nobleSha256, impl: "wasm" });
    await core.promise;
    const ready = await app.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", sha256: "wasm" });
  });

  it("answers 503 with the error when the core fails to load, and logs it", async () => {
    const core = deferred<Sha256>();
    const logger = recordingLogger();
    const app = createApp(deps(core.promise, logger));
    core.reject(new ImgverifyError("DIGEST_WASM_INVALID", "sha256.wasm is not a WASM module"));
    await core.promise.catch(() => {});
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: "failed",
      error: { code: "DIGEST_WASM_INVALID", message: "sha256.wasm is not a WASM module" },
    });
    expect(logger.lines).toEqual([
      [
        "error",
        "digest core failed to load",
        { code: "DIGEST_WASM_INVALID", reason: "sha256.wasm is not a WASM module" },
      ],
    ]);
  });
});

describe("errors", () => {
  it("answers unknown routes with a JSON 404 naming the route", async () => {
    const res = await createApp(deps(nobleSha256)).request("/nope", { method: "POST" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "ROUTE_NOT_FOUND", message: "no route for POST /nope" },
    });
  });

  it("answers an ImgverifyError with its code and message", async () => {
    const app = createApp(deps(nobleSha256));
    app.get("/fail", () => {
      throw new ImgverifyError("REGISTRY_ERROR", "registry answered 502 for ghcr.io/x:1");
    });
    const res = await app.request("/fail");
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { code: "REGISTRY_ERROR", message: "registry answered 502 for ghcr.io/x:1" },
    });
  });

  it("keeps the status of an HTTPException with a code for it", async () => {
    const app = createApp(deps(nobleSha256));
    app.post("/big", () => {
      throw new HTTPException(413, { message: "body over 3 MiB" });
    });
    app.post("/teapot", () => {
      throw new HTTPException(418);
    });
    const big = await app.request("/big", { method: "POST" });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({
      error: { code: "PAYLOAD_TOO_LARGE", message: "body over 3 MiB" },
    });
    const teapot = await app.request("/teapot", { method: "POST" });
    expect(teapot.status).toBe(418);
    expect(await teapot.json()).toEqual({ error: { code: "HTTP_ERROR", message: "HTTP 418" } });
  });

  it("hides the details of an unexpected error from the client and logs them", async () => {
    const logger = recordingLogger();
    const app = createApp(deps(nobleSha256, logger));
    app.get("/bug", () => {
      throw new TypeError("secret internals");
    });
    const res = await app.request("/bug");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
    expect(text).not.toContain("secret");
    expect(logger.lines).toEqual([
      [
        "error",
        "unhandled error",
        { path: "/bug", error: expect.stringContaining("secret internals") },
      ],
    ]);
  });
});
