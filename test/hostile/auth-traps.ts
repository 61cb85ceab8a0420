import { BASIC } from "./fixture.ts";
import {
  challenge,
  type HostileRegistry,
  redirectTo,
  startHostileRegistry,
  status,
} from "./hostile-registry.ts";

/**
 * Registries that try to get their credentials sent elsewhere. Each fronts
 * the real registry on 127.0.0.1 and points at a recording server on
 * 127.0.0.2, another host. `realm`: a Bearer challenge whose token realm is
 * on the other host (which refuses anonymous requests). `redirect`: Basic
 * auth, then the `.sig` manifest redirected to the other host, which
 * answers 401 with its own Basic challenge.
 */
export interface AuthTraps {
  realm: { registry: HostileRegistry; elsewhere: HostileRegistry };
  redirect: { registry: HostileRegistry; elsewhere: HostileRegistry };
  /** Every host to reach over plain HTTP. */
  hosts: string[];
  /** The hosts the Docker config gives credentials to. */
  credentialHosts: string[];
  close(): Promise<void>;
}

// The body's error code lies: only the status may say what a refusal is.
const refuse = status(401, { "www-authenticate": 'Basic realm="elsewhere"' }, "MANIFEST_UNKNOWN");

export async function startAuthTraps(upstream: string): Promise<AuthTraps> {
  const realmElsewhere = await startHostileRegistry({
    hostname: "127.0.0.2",
    choose: () => refuse,
  });
  const realmRegistry = await startHostileRegistry({
    upstream,
    cases: true,
    choose: () =>
      challenge(
        `Bearer realm="${realmElsewhere.origin}/token",service="hostile"`,
        (auth) => auth?.startsWith("Bearer ") ?? false,
      ),
  });
  const redirectElsewhere = await startHostileRegistry({
    hostname: "127.0.0.2",
    choose: () => refuse,
  });
  const redirectRegistry = await startHostileRegistry({
    upstream,
    cases: true,
    choose: ({ path }) =>
      challenge(
        'Basic realm="hostile"',
        (auth) => auth === BASIC,
        path.endsWith(".sig") ? redirectTo(() => redirectElsewhere.origin) : undefined,
      ),
  });
  const all = [realmElsewhere, realmRegistry, redirectElsewhere, redirectRegistry];
  return {
    realm: { registry: realmRegistry, elsewhere: realmElsewhere },
    redirect: { registry: redirectRegistry, elsewhere: redirectElsewhere },
    hosts: all.map((server) => server.host),
    credentialHosts: [realmRegistry.host, redirectRegistry.host],
    close: async () => {
      await Promise.all(all.map((server) => server.close()));
    },
  };
}

export interface AuthCase {
  name: string;
  /** The registry the image is pulled from. */
  registry: HostileRegistry;
  /** The other host, which must never see a credential. */
  elsewhere: HostileRegistry;
  code: "CREDENTIALS_WITHHELD" | "REDIRECT_UNAUTHORIZED";
  says: RegExp;
  /** The Authorization headers the registry itself must have received. */
  registrySaw: "basic" | "no-basic";
}

export function authCases(traps: AuthTraps): AuthCase[] {
  return [
    {
      name: "realm-elsewhere",
      ...traps.realm,
      code: "CREDENTIALS_WITHHELD",
      says: new RegExp(
        `withheld from the token realm ${traps.realm.elsewhere.host.replaceAll(".", "\\.")}`,
      ),
      registrySaw: "no-basic",
    },
    {
      name: "redirect-401",
      ...traps.redirect,
      code: "REDIRECT_UNAUTHORIZED",
      // The webhook's denial quotes the message YAML-style, doubling the quote.
      says: /answered HTTP 401; a redirect target'{1,2}s challenge is not answered/,
      registrySaw: "basic",
    },
  ];
}
