/**
 * Caller authentication over real sockets, as each runtime entry serves it:
 * a client CA (made with openssl) demanded in the TLS handshake on Node and
 * Bun and refused with a coded error on Deno, and a bearer token over plain
 * HTTP, with a chunked body over the limit answered 413 while it is still
 * being sent.
 */
import { type ChildProcessByStdio, execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { guardProcess, makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { childEnv, listeningUrl } from "../../support/cli.ts";
import { SERVE_RUNTIMES, serveEntries } from "../../support/serve-entries.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const TOKEN = "integration-token-0123456789abcdef";
const dir = makeTempDir("serve-auth");
afterAll(() => removeTempDir(dir));

const entries = serveEntries;

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

/** A CA and a certificate it signs for `name` with `usage` (serverAuth or clientAuth). */
function makeCa(name: string): void {
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "1",
    "-subj",
    `/CN=${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  );
}
function issue(ca: string, name: string, ext: string): void {
  writeFileSync(`${dir}/${name}.ext`, ext);
  openssl(
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${name}`,
  );
  openssl(
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.pem`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "1",
    "-extfile",
    `${name}.ext`,
  );
}
makeCa("ca");
makeCa("other-ca");
issue("ca", "server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
issue("ca", "apiserver", "extendedKeyUsage=clientAuth\n");
issue("other-ca", "stranger", "extendedKeyUsage=clientAuth\n");
const pem = (name: string) => readFileSync(`${dir}/${name}`, "utf8");
const admitJson = readFileSync(`${root}examples/admit.json`, "utf8");

type Child = ChildProcessByStdio<null, Readable, Readable>;

function start(command: string[], extra: string[], env: Record<string, string> = {}) {
  const [cmd, ...args] = command;
  const child: Child = spawn(cmd as string, [...args, "--port", "0", ...extra], {
    cwd: root,
    env: childEnv({ DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const guarded = guardProcess(child, dir);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, guarded, exited, stderr: () => stderr };
}

interface Answer {
  status: number;
  body: string;
}

function send(url: string, path: string, options: RequestOptions, body?: string): Promise<Answer> {
  const request = url.startsWith("https:") ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: body ? "POST" : "GET", ...options }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const json = { "content-type": "application/json" };
const tlsArgs = ["--tls-cert", `${dir}/server.pem`, "--tls-key", `${dir}/server.key`];

describe.each(["node", "bun"] as const)("serve --client-ca on %s", (runtime) => {
  it("demands a client certificate the CA signed in the handshake, on every route", async () => {
    const server = start(entries[runtime], [...tlsArgs, "--client-ca", `${dir}/ca.pem`]);
    try {
      const url = await listeningUrl(server.child, READY_TIMEOUT_MS, server.stderr).url;
      const ca = pem("ca.pem");
      await expect(send(url, "/healthz", { ca })).rejects.toThrow();
      const stranger = { ca, cert: pem("stranger.pem"), key: pem("stranger.key") };
      await expect(send(url, "/healthz", stranger)).rejects.toThrow();
      const apiserver = { ca, cert: pem("apiserver.pem"), key: pem("apiserver.key") };
      expect((await send(url, "/healthz", apiserver)).status).toBe(200);
      const admitted = await send(url, "/mutate", { ...apiserver, headers: json }, admitJson);
      expect(admitted.status).toBe(200);
      expect(JSON.parse(admitted.body).response).toMatchObject({ allowed: true });
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    } finally {
      await server.guarded.stop();
    }
  });
});

describe("serve --client-ca on deno", () => {
  it("refuses to start with a coded error naming why", async () => {
    const args = ["--json", ...tlsArgs, "--client-ca", `${dir}/ca.pem`];
    const server = start(entries.deno as string[], args);
    let stdout = "";
    server.child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    try {
      expect(await server.exited).toBe(2);
      const { error } = JSON.parse(stdout);
      expect(error.code).toBe("TLS_CLIENT_CA_UNSUPPORTED");
      expect(error.message).toContain("Deno.serve cannot request or verify client certificates");
    } finally {
      await server.guarded.stop();
    }
  });
});

describe.each(SERVE_RUNTIMES)("serve with IMGVERIFY_AUTH_TOKEN on %s", (runtime) => {
  it("answers 401 without the token, admits with it, and 413s a chunked body over the limit", async () => {
    const server = start(entries[runtime], [], { IMGVERIFY_AUTH_TOKEN: TOKEN });
    try {
      const url = await listeningUrl(server.child, READY_TIMEOUT_MS, server.stderr).url;
      const refused = await send(url, "/mutate", { headers: json }, admitJson);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body).error.code).toBe("UNAUTHORIZED");
      const auth = { ...json, authorization: `Bearer ${TOKEN}` };
      const admitted = await send(url, "/mutate", { headers: auth }, admitJson);
      expect(JSON.parse(admitted.body).response).toMatchObject({ allowed: true });
      const big = await huge(url, auth);
      expect(big.status).toBe(413);
      expect(big.sent).toBeLessThan(64 * 1024 * 1024);
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    } finally {
      await server.guarded.stop();
    }
  });
});

/**
 * POSTs a chunked body of up to 64 MiB, 64 KiB a write, and resolves with the
 * answer and how much was sent by then: the server must answer before the end.
 */
function huge(url: string, headers: Record<string, string>): Promise<Answer & { sent: number }> {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(`${url}/validate`, { method: "POST", headers }, (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode ?? 0, body: "", sent });
      req.destroy();
    });
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    const pump = () => {
      while (!answered && sent < 64 * 1024 * 1024) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}
