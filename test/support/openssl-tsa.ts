/**
 * A timestamping authority made with openssl: a root CA, a TSA certificate
 * under it (critical extKeyUsage timeStamping, as RFC 3161 asks) and
 * `openssl ts -reply` to stamp bytes, so timestamp tests hold real tokens.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTempDir } from "./cleanup.ts";
import { run } from "./exec.ts";

export interface OpensslTsa {
  /** The root's PEM, what a verifier is told to trust. */
  readonly rootPem: string;
  /** The TSA's own certificate, PEM. */
  readonly tsaPem: string;
  /** An RFC 3161 TimeStampToken (DER) over `data`, or the whole TimeStampResp with `response`. */
  stamp(data: Uint8Array | string, options?: StampOptions): Promise<Uint8Array>;
}

export interface StampOptions {
  /** The imprint's hash; sha256 by default. */
  readonly hash?: "sha256" | "sha384" | "sha512";
  /** Whether the token carries the TSA's certificate (a request's certReq); true by default. */
  readonly withCertificate?: boolean;
  /** The TSA's whole response (status and token), as cosign stores it; the token alone by default. */
  readonly response?: boolean;
}

const CONFIG = `
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = ./serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ v3_tsa ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign
`;

const EC_P256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** A fresh root and TSA under a new temporary folder; `name` goes into both subjects. */
export async function opensslTsa(name = "imgverify test"): Promise<OpensslTsa> {
  const dir = makeTempDir("tsa"); // removed when the test process exits
  const at = (file: string) => join(dir, file);
  writeFileSync(at("tsa.cnf"), CONFIG);
  writeFileSync(at("serial"), "01\n");
  await run("openssl", [
    "req",
    "-x509",
    ...EC_P256,
    "-keyout",
    at("ca.key"),
    "-out",
    at("ca.pem"),
    "-subj",
    `/CN=${name} TSA root`,
    "-days",
    "30",
    "-addext",
    "basicConstraints=critical,CA:true",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ]);
  await run("openssl", [
    "req",
    ...EC_P256,
    "-keyout",
    at("tsa.key"),
    "-out",
    at("tsa.csr"),
    "-subj",
    `/CN=${name} TSA`,
  ]);
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    at("tsa.csr"),
    "-CA",
    at("ca.pem"),
    "-CAkey",
    at("ca.key"),
    "-CAcreateserial",
    "-out",
    at("tsa.pem"),
    "-days",
    "30",
    "-extfile",
    at("tsa.cnf"),
    "-extensions",
    "v3_tsa",
  ]);
  let count = 0;
  return {
    rootPem: readFileSync(at("ca.pem"), "utf8"),
    tsaPem: readFileSync(at("tsa.pem"), "utf8"),
    async stamp(data, options = {}) {
      count += 1;
      const input = at(`data-${count}`);
      writeFileSync(input, data);
      const certReq = options.withCertificate === false ? [] : ["-cert"];
      await run("openssl", [
        "ts",
        "-query",
        "-data",
        input,
        `-${options.hash ?? "sha256"}`,
        ...certReq,
        "-out",
        `${input}.tsq`,
      ]);
      await run(
        "openssl",
        [
          "ts",
          "-reply",
          "-config",
          at("tsa.cnf"),
          "-queryfile",
          `${input}.tsq`,
          "-signer",
          at("tsa.pem"),
          "-inkey",
          at("tsa.key"),
          ...(options.response === true ? [] : ["-token_out"]),
          "-out",
          `${input}.tsr`,
        ],
        { cwd: dir },
      );
      return readFileSync(`${input}.tsr`);
    },
  };
}
