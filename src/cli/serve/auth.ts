/**
 * Who may call `serve`'s engine routes, and what POST /verify may be asked.
 * A server with policies fails closed: it does not start until callers are
 * authenticated by a bearer token or a client CA, or the operator says in so
 * many words that anyone who can connect may call it. The demo makes up a
 * token of its own and prints it in its curl lines.
 */
import type { Clock, Logger } from "../../deps.ts";
import type { Sha256 } from "../../digest/types.ts";
import { fixedToken, type TokenSource, tokenFile } from "../../http/bearer-token.ts";
import type { CallerAuth } from "../../http/caller-auth.ts";
import type { VerifyApiSettings } from "../../http/verify-request.ts";
import { usageError } from "../errors.ts";
import type { BooleanFlag, StringFlag } from "../flags/args.ts";
import type { CliIo } from "../io.ts";
import { readAll } from "../read-all.ts";
import { shellWord } from "./shell-word.ts";

/** A token file holds one token; anything larger is not one. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

export const authFlags: {
  readonly "auth-token-file": StringFlag;
  readonly "allow-unauthenticated": BooleanFlag;
  readonly "verify-api": BooleanFlag;
  readonly "verify-api-any-image": BooleanFlag;
  readonly "verify-api-inline-policy": BooleanFlag;
} = {
  "auth-token-file": {
    type: "string",
    value: "FILE",
    description:
      "File holding the bearer token callers must send, read again when it changes (or the token itself in $IMGVERIFY_AUTH_TOKEN).",
  },
  "allow-unauthenticated": {
    type: "boolean",
    description: "Serve /validate, /mutate and /verify to anyone who can connect.",
  },
  "verify-api": {
    type: "boolean",
    description:
      "Serve POST /verify, authenticated as the webhook, for images a loaded policy verifies.",
  },
  "verify-api-any-image": {
    type: "boolean",
    description: "Let /verify ask about any image, not only those a loaded policy verifies.",
  },
  "verify-api-inline-policy": {
    type: "boolean",
    description: "Let /verify take an inline verifyImages entry instead of a loaded policy's name.",
  },
};

type AuthFlagValues = {
  readonly "auth-token-file": string | undefined;
  readonly "allow-unauthenticated": boolean;
  readonly "verify-api": boolean;
  readonly "verify-api-any-image": boolean;
  readonly "verify-api-inline-policy": boolean;
};

export interface CallerAuthChoice {
  auth: CallerAuth;
  /** The demo's curl option sending the token, as shell text: `-H "Authorization: Bearer …"`. */
  curlHeader?: string;
}

export interface CallerAuthContext {
  demo: boolean;
  /** The listener demands client certificates signed by the --client-ca. */
  clientCertificates: boolean;
  clock: Clock;
  logger: Logger;
  /** Hashes presented tokens; @noble/hashes without it. */
  sha256?: Sha256;
}

export async function chooseCallerAuth(
  /** `readChunks` reads the token file, when one is given. */
  io: Pick<CliIo, "env" | "readChunks">,
  flags: AuthFlagValues,
  { demo, clientCertificates, clock, logger, sha256 }: CallerAuthContext,
): Promise<CallerAuthChoice> {
  const bearer = (source: TokenSource): CallerAuth => ({
    mode: "bearer",
    token: source,
    ...(sha256 && { sha256 }),
  });
  const envToken = io.env("IMGVERIFY_AUTH_TOKEN");
  const file = flags["auth-token-file"];
  const open = flags["allow-unauthenticated"];
  const token = envToken !== undefined && envToken !== "" ? envToken : undefined;
  if (token !== undefined && file !== undefined) {
    throw usageError(
      "give the token in IMGVERIFY_AUTH_TOKEN or in a file (--auth-token-file), not both",
      "serve",
    );
  }
  const configured = token !== undefined || file !== undefined || clientCertificates;
  if (open && configured) {
    throw usageError(
      "--allow-unauthenticated contradicts the token or client CA also configured",
      "serve",
    );
  }
  if (file !== undefined) {
    const source = `the auth token file "${file}"`;
    const read = async () =>
      new TextDecoder().decode(await readAll(io.readChunks(file), MAX_TOKEN_FILE_BYTES, source));
    const auth = bearer(await tokenFile({ read, source, clock, logger }));
    return { auth, curlHeader: `-H "Authorization: Bearer $(cat ${shellWord(file)})"` };
  }
  if (token !== undefined) {
    const auth = bearer(await fixedToken(token, "IMGVERIFY_AUTH_TOKEN"));
    return { auth, curlHeader: `-H "Authorization: Bearer $IMGVERIFY_AUTH_TOKEN"` };
  }
  if (clientCertificates) return { auth: { mode: "client-certificate" } };
  if (demo && !open) {
    const made = randomToken();
    const auth = bearer(await fixedToken(made, "the demo token"));
    return { auth, curlHeader: `-H 'Authorization: Bearer ${made}'` };
  }
  if (open) {
    logger.warn(
      "caller authentication is off: anyone who can connect may call /validate, /mutate and /verify",
    );
    return { auth: { mode: "unauthenticated" } };
  }
  throw usageError(
    "serve does not start without caller authentication: set IMGVERIFY_AUTH_TOKEN or --auth-token-file FILE (a bearer token the API server sends), or --client-ca FILE with --tls-cert/--tls-key (its client certificate), or pass --allow-unauthenticated to serve anyone who can connect",
    "serve",
  );
}

/** 32 random bytes in hex: the demo's token, made at startup and printed. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The /verify settings, or undefined when the route is off (the default). */
export function chooseVerifyApi(flags: AuthFlagValues): VerifyApiSettings | undefined {
  const on = flags["verify-api"];
  const anyImage = flags["verify-api-any-image"];
  const inlinePolicy = flags["verify-api-inline-policy"];
  if (!on && (anyImage || inlinePolicy)) {
    const which = anyImage ? "--verify-api-any-image" : "--verify-api-inline-policy";
    throw usageError(`${which} needs --verify-api (IMGVERIFY_VERIFY_API=on)`, "serve");
  }
  return on ? { anyImage, inlinePolicy } : undefined;
}
