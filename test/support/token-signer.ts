import { createPrivateKey, randomUUID, sign, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "./exec.ts";

/**
 * Signs registry bearer tokens the way Distribution 2.8 checks them: an ES256
 * JWT whose `x5c` header holds a certificate found in the registry's
 * `rootcertbundle`, with `iss`/`aud` matching its config and `access` claims.
 */

export interface AccessGrant {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenClaims {
  issuer: string;
  audience: string;
  subject: string;
  access: AccessGrant[];
  ttlSeconds: number;
}

export interface TokenSigner {
  /** PEM certificate to list in the registry's `auth.token.rootcertbundle`. */
  certPath: string;
  sign(claims: TokenClaims): string;
}

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

/** Makes a self-signed P-256 certificate and key in `dir` with openssl. */
export async function makeTokenSigner(dir: string): Promise<TokenSigner> {
  const keyPath = join(dir, "token-signing.key");
  const certPath = join(dir, "token-signing.crt");
  const subject = "/CN=imgverify test token issuer";
  await run("openssl", [
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
    ...["-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", subject],
  ]);
  const key = createPrivateKey(await readFile(keyPath));
  const certDer = new X509Certificate(await readFile(certPath)).raw.toString("base64");

  return {
    certPath,
    sign(claims: TokenClaims): string {
      const now = Math.floor(Date.now() / 1000);
      const header = { typ: "JWT", alg: "ES256", x5c: [certDer] };
      const payload = {
        iss: claims.issuer,
        sub: claims.subject,
        aud: claims.audience,
        iat: now,
        nbf: now - 5,
        exp: now + claims.ttlSeconds,
        jti: randomUUID(),
        access: claims.access,
      };
      const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
      // JWS ES256 wants the raw r||s signature, not DER.
      const signature = sign("sha256", Buffer.from(signingInput), {
        key,
        dsaEncoding: "ieee-p1363",
      });
      return `${signingInput}.${base64url(signature)}`;
    },
  };
}
