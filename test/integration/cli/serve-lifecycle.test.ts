/**
 * What a rollout and a certificate renewal do to a serving pod, on every
 * runtime's `start:<runtime>` script. SIGTERM (sent on every rollout) lets an
 * admission in flight finish before the process exits. A renewed certificate
 * is served without a restart: the TLS files are laid out as the kubelet mounts a
 * Secret (files behind a `..data` symlink swapped atomically, as cert-manager's
 * renewals arrive), an admission is held open across the swap and must still
 * be answered, new connections must get the new certificate, and a pair whose
 * key does not match its certificate must leave the good one in force.
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, symlinkSync } from "node:fs";
import { request } from "node:https";
import { connect } from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { startServer } from "../../support/cli.ts";
import { REPO_ROOT, SERVE_RUNTIMES, serveEntry } from "../../support/serve-entries.ts";

const TOKEN = "reload-token-0123456789abcdef";
const dir = makeTempDir("serve-lifecycle");
afterAll(() => removeTempDir(dir));

/** A self-signed P-256 certificate for 127.0.0.1 in `dir/name/`. */
function makePair(name: string): string {
  const out = `${dir}/${name}`;
  mkdirSync(out, { recursive: true });
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
      ...["-keyout", `${out}/tls.key`, "-out", `${out}/tls.crt`, "-days", "1"],
      ...["-subj", `/CN=${name}`, "-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { stdio: "pipe" },
  );
  return out;
}

const fingerprint = (folder: string): string =>
  new X509Certificate(readFileSync(`${folder}/tls.crt`)).fingerprint256;

/** The certificate a new connection to `port` is served. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on("error", reject);
  });
}

/** Points `mount/..data` at `folder` in one rename, as the kubelet updates a Secret volume. */
function swapData(mount: string, folder: string): void {
  symlinkSync(folder, `${mount}/..data_tmp`);
  renameSync(`${mount}/..data_tmp`, `${mount}/..data`);
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const admitJson = readFileSync(`${REPO_ROOT}examples/admit.json`, "utf8");

/**
 * POST /validate whose body is sent in two halves: the second when `finish` is
 * called. `started` resolves once the headers and first half have left, and the
 * server has had a moment to read them: from then on the admission is in
 * flight, not a connection still being set up.
 */
function heldAdmission(port: number) {
  let finish!: () => void;
  let sent!: () => void;
  const started = new Promise<void>((resolve) => {
    sent = resolve;
  }).then(() => new Promise((resolve) => setTimeout(resolve, 200)));
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/validate",
        method: "POST",
        rejectUnauthorized: false,
        agent: false,
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    const half = Math.floor(admitJson.length / 2);
    req.write(admitJson.slice(0, half), () => sent());
    finish = () => req.end(admitJson.slice(half));
  });
  // A reset before the test awaits `answer` is reported there, not as an unhandled rejection.
  answer.catch(() => {});
  return { answer, started, finish: () => finish() };
}

describe.each(SERVE_RUNTIMES)("serve on %s", (runtime) => {
  it("serves a renewed certificate to new connections while an admission in flight completes", async () => {
    const [first, second, third] = ["a", "b", "c"].map((n) => makePair(`${runtime}-${n}`));
    const mount = `${dir}/${runtime}-mount`;
    mkdirSync(mount);
    symlinkSync(first as string, `${mount}/..data`);
    symlinkSync("..data/tls.crt", `${mount}/tls.crt`);
    symlinkSync("..data/tls.key", `${mount}/tls.key`);
    const [command, ...args] = serveEntry(runtime);
    const server = startServer(
      command as string,
      [...args, "--port", "0", "--tls-cert", `${mount}/tls.crt`, "--tls-key", `${mount}/tls.key`],
      { IMGVERIFY_AUTH_TOKEN: TOKEN, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
      dir,
    );
    try {
      const port = Number(new URL(await server.url).port);
      expect(await servedFingerprint(port)).toBe(fingerprint(first as string));
      const held = heldAdmission(port);
      await held.started;

      swapData(mount, second as string);
      await until("the reload", () => server.stderr().includes("TLS certificate reloaded"));
      const renewed = fingerprint(second as string);
      if (runtime === "deno") {
        // Deno's retired server accepts until its requests are done (see src/runtime/deno.ts):
        // a new connection may still get the previous, still valid, certificate meanwhile.
        expect([fingerprint(first as string), renewed]).toContain(await servedFingerprint(port));
      } else {
        expect(await servedFingerprint(port)).toBe(renewed);
      }
      held.finish();
      const answered = await held.answer;
      expect(answered.status, server.stderr()).toBe(200);
      expect(JSON.parse(answered.body).response.uid).toBe(JSON.parse(admitJson).request.uid);
      // Once the admission it held is answered, the retired server is gone on every runtime.
      await until("the retired server to close", async () => {
        const served = await Promise.all([1, 2, 3, 4].map(() => servedFingerprint(port)));
        return served.every((f) => f === renewed);
      });

      // A certificate from one renewal with the key of another: refused, the good pair stays.
      mkdirSync(`${dir}/${runtime}-mixed`);
      for (const [file, from] of [
        ["tls.crt", third],
        ["tls.key", second],
      ] as const) {
        execFileSync("cp", [`${from}/${file}`, `${dir}/${runtime}-mixed/${file}`]);
      }
      swapData(mount, `${dir}/${runtime}-mixed`);
      await until("the refusal", () => server.stderr().includes("TLS certificate refused")).catch(
        (err) => {
          throw new Error(`${err.message}: ${server.stderr()}`);
        },
      );
      expect(await servedFingerprint(port)).toBe(fingerprint(second as string));
    } finally {
      await server.guarded.stop();
    }
  }, 60_000);

  it("answers an admission in flight after SIGTERM, then exits 0", async () => {
    const tls = makePair(`${runtime}-drain`);
    const [command, ...args] = serveEntry(runtime);
    // Configured as a container is, by the environment alone.
    const server = startServer(
      command as string,
      args,
      {
        IMGVERIFY_PORT: "0",
        IMGVERIFY_TLS_CERT: `${tls}/tls.crt`,
        IMGVERIFY_TLS_KEY: `${tls}/tls.key`,
        IMGVERIFY_AUTH_TOKEN: TOKEN,
        DENO_NO_UPDATE_CHECK: "1",
        DENO_NO_PROMPT: "1",
      },
      dir,
    );
    const exited = new Promise<number | null>((resolve) => server.child.on("close", resolve));
    try {
      const port = Number(new URL(await server.url).port);
      const held = heldAdmission(port);
      await held.started;
      server.child.kill("SIGTERM");
      await until("the shutdown", () => server.stderr().includes('"signal":"SIGTERM"'));
      held.finish();
      const answered = await held.answer;
      expect(answered.status, server.stderr()).toBe(200);
      expect(JSON.parse(answered.body).response.uid).toBe(JSON.parse(admitJson).request.uid);
      expect(await exited).toBe(0);
      expect(server.stderr()).not.toContain("dropped connections");
    } finally {
      await server.guarded.stop();
    }
  }, 60_000);
});
