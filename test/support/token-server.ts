import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type AccessGrant, makeTokenSigner } from "./token-signer.ts";

/**
 * A Docker Registry v2 token server (the `auth.token` flow of Distribution):
 * checks Basic credentials, grants the requested repository scopes and signs
 * an ES256 JWT whose `x5c` header carries the certificate the registry trusts
 * (its `rootcertbundle`).
 */
export interface TokenServerOptions {
  /** Folder for the signing key and certificate (the registry's temp dir). */
  dir: string;
  service: string;
  issuer: string;
  users: Readonly<Record<string, string>>;
  /** Users whose credentials are accepted but who are granted nothing. */
  deniedUsers?: readonly string[];
  tokenTtlSeconds?: number;
}

export interface TokenServer {
  /** Realm URL to put in the registry's `auth.token.realm`. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate path for the registry's `auth.token.rootcertbundle`. */
  rootCertBundle: string;
  /** Accept this user's credentials but grant no access (as real registries do). */
  deny(username: string): void;
  allow(username: string): void;
  close(): Promise<void>;
}

const ANONYMOUS_ACTIONS = new Set(["pull"]);
const MAX_SCOPES = 16;

/** Parses `type:name:action,action`; the name may itself hold colons. */
function parseScope(scope: string): AccessGrant | undefined {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first <= 0 || last <= first + 1) return undefined;
  const actions = scope
    .slice(last + 1)
    .split(",")
    .filter((a) => a.length > 0);
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

function basicCredentials(req: IncomingMessage): { username: string; password: string } | null {
  const header = req.headers.authorization;
  if (!header?.startsWith("Basic ")) return null;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function reply(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const signer = await makeTokenSigner(options.dir);
  const denied = new Set(options.deniedUsers ?? []);
  const ttl = options.tokenTtlSeconds ?? 300;

  const issue = (subject: string, access: AccessGrant[]): string =>
    signer.sign({
      issuer: options.issuer,
      audience: options.service,
      subject,
      access,
      ttlSeconds: ttl,
    });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://token.invalid");
    if (req.method !== "GET" || url.pathname !== "/token") {
      reply(res, 404, { errors: [{ code: "NOT_FOUND", message: "GET /token only" }] });
      return;
    }
    const service = url.searchParams.get("service");
    if (service !== null && service !== options.service) {
      reply(res, 400, {
        errors: [{ code: "INVALID_SERVICE", message: `unknown service ${service}` }],
      });
      return;
    }
    const scopes = url.searchParams.getAll("scope").flatMap((s) => s.split(" "));
    const requested = scopes.filter((s) => s.length > 0).map(parseScope);
    if (requested.length > MAX_SCOPES || requested.some((g) => g === undefined)) {
      reply(res, 400, { errors: [{ code: "INVALID_SCOPE", message: `bad scope in ${scopes}` }] });
      return;
    }
    const credentials = basicCredentials(req);
    if (req.headers.authorization !== undefined) {
      const known = credentials && options.users[credentials.username] === credentials.password;
      if (!known) {
        reply(
          res,
          401,
          { errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] },
          {
            "www-authenticate": 'Basic realm="imgverify-test-token"',
          },
        );
        return;
      }
    }
    const grants = (requested as AccessGrant[]).flatMap((grant): AccessGrant[] => {
      if (credentials === null) {
        const actions = grant.actions.filter((a) => ANONYMOUS_ACTIONS.has(a));
        return grant.type === "repository" && actions.length > 0 ? [{ ...grant, actions }] : [];
      }
      return denied.has(credentials.username) ? [] : [grant];
    });
    const token = issue(credentials?.username ?? "", grants);
    reply(res, 200, {
      token,
      access_token: token,
      expires_in: ttl,
      issued_at: new Date().toISOString(),
    });
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service: options.service,
    issuer: options.issuer,
    rootCertBundle: signer.certPath,
    deny(username) {
      denied.add(username);
    },
    allow(username) {
      denied.delete(username);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
