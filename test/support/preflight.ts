import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";

/** Tools the harness runs, and the Debian package that provides each. */
export const REQUIRED_TOOLS: Readonly<Record<string, string>> = {
  "docker-registry": "docker-registry",
  skopeo: "skopeo",
  umoci: "umoci",
  htpasswd: "apache2-utils",
  openssl: "openssl",
};

async function onPath(tool: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      // Try the next PATH entry.
    }
  }
  return false;
}

/** Fails with one message naming every missing tool and its package. */
export async function assertToolsInstalled(): Promise<void> {
  const entries = Object.entries(REQUIRED_TOOLS);
  const present = await Promise.all(entries.map(([tool]) => onPath(tool)));
  const missing = entries.filter((_, i) => !present[i]);
  if (missing.length === 0) return;
  const tools = missing.map(([tool]) => tool).join(", ");
  const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(" ");
  throw new Error(
    `integration tests need ${tools}; install with: sudo apt-get install -y ${packages} (or run test/run.sh as root)`,
  );
}
