import { describe, expect, it } from "vitest";
import type { TlsMaterial } from "../../../src/cli/io.ts";
import { type TlsFiles, tlsFiles, watchTls } from "../../../src/cli/serve/tls.ts";
import type { Clock } from "../../../src/deps.ts";
import { fakeIo } from "./fake-io.ts";

const A: TlsMaterial = { cert: "cert A", key: "key A" };
const B: TlsMaterial = { cert: "cert B", key: "key B" };
const MIXED: TlsMaterial = { cert: "cert B", key: "key A" };

/** A clock whose sleeps end when the test says: one `tick()` is one watch interval. */
function steppedClock() {
  const sleepers: (() => void)[] = [];
  const clock: Clock = {
    now: () => 0,
    sleep: (_ms, signal) =>
      new Promise((resolve, reject) => {
        sleepers.push(resolve);
        signal?.addEventListener("abort", () => reject(signal.reason));
      }),
  };
  const nextSleep = async (): Promise<void> => {
    while (sleepers.length === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return {
    clock,
    /** Ends the current interval and waits until the watcher sleeps again. */
    async tick() {
      await nextSleep();
      sleepers.shift()?.();
      await nextSleep();
    },
  };
}

function recordingLogger() {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => lines.push(`${level} ${message}`);
  return {
    lines,
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
  };
}

/** TLS files whose content the test sets; `undefined` makes the read fail. */
function changingFiles(initial: TlsMaterial) {
  let content: TlsMaterial | undefined = initial;
  const files: TlsFiles = {
    paths: ["tls.crt", "tls.key"],
    read: async () => {
      if (content === undefined) throw new Error('cannot read file "tls.crt": ENOENT');
      return content;
    },
  };
  return { files, set: (next: TlsMaterial | undefined) => (content = next) };
}

/** `replace` refuses a certificate and key from different pairs, as a TLS stack does. */
function recordingListener() {
  const replaced: TlsMaterial[] = [];
  const replace = async (tls: TlsMaterial): Promise<void> => {
    if (tls.cert.slice(-1) !== tls.key.slice(-1)) throw new Error("key values mismatch");
    replaced.push(tls);
  };
  return { replaced, replace };
}

describe("TLS files", () => {
  it("are read whole, with the client CA, and refused in pairs by the flags", async () => {
    const io = fakeIo({ "c.pem": "C", "k.pem": "K", "ca.pem": "-----BEGIN CERTIFICATE-----\n" });
    const both = { "tls-cert": "c.pem", "tls-key": "k.pem" };
    expect(tlsFiles(io, { ...both, "client-ca": undefined })?.paths).toEqual(["c.pem", "k.pem"]);
    expect(await tlsFiles(io, { ...both, "client-ca": "ca.pem" })?.read()).toEqual({
      cert: "C",
      key: "K",
      clientCa: "-----BEGIN CERTIFICATE-----\n",
    });
    expect(
      tlsFiles(io, { "tls-cert": undefined, "tls-key": undefined, "client-ca": undefined }),
    ).toBeUndefined();
    expect(() =>
      tlsFiles(io, { "tls-cert": "c.pem", "tls-key": undefined, "client-ca": undefined }),
    ).toThrow(/--tls-cert and --tls-key must be given together/);
    await expect(tlsFiles(io, { ...both, "client-ca": "k.pem" })?.read()).rejects.toThrow(
      /--client-ca "k.pem" holds no PEM certificate/,
    );
  });
});

describe("watchTls", () => {
  it("serves changed files once, and nothing while they stay the same", async () => {
    const { clock, tick } = steppedClock();
    const { files, set } = changingFiles(A);
    const { replaced, replace } = recordingListener();
    const { lines, logger } = recordingLogger();
    const stop = watchTls({ files, current: A, replace, clock, logger });
    await tick();
    expect(replaced).toEqual([]);
    set(B);
    await tick();
    await tick();
    expect(replaced).toEqual([B]);
    expect(lines).toEqual(["info TLS certificate reloaded"]);
    stop();
  });

  it("keeps the last good certificate when the pair is refused or unreadable, says so once, and takes the next good one", async () => {
    const { clock, tick } = steppedClock();
    const { files, set } = changingFiles(A);
    const { replaced, replace } = recordingListener();
    const { lines, logger } = recordingLogger();
    const stop = watchTls({ files, current: A, replace, clock, logger });
    set(MIXED);
    await tick();
    await tick();
    set(undefined);
    await tick();
    await tick();
    expect(replaced).toEqual([]);
    expect(lines).toEqual([
      "warn TLS certificate refused: the last good one stays in force",
      "warn TLS files not reloaded: the last good certificate stays in force",
    ]);
    set(B);
    await tick();
    expect(replaced).toEqual([B]);
    stop();
  });

  it("stops reading when stopped", async () => {
    const { clock, tick } = steppedClock();
    const { files, set } = changingFiles(A);
    const { replaced, replace } = recordingListener();
    const stop = watchTls({ files, current: A, replace, clock, logger: recordingLogger().logger });
    await tick();
    stop();
    set(B);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(replaced).toEqual([]);
  });
});
