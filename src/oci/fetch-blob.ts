import type { Descriptor } from "./content/manifest.ts";
import { type Operation, opError } from "./operation.ts";
import type { Repository } from "./reference.ts";
import { flightKey, pull, repositoryUrl, type Session } from "./session.ts";
import { checkDigest, readDigested } from "./transport/body.ts";

/**
 * The blob `descriptor` names, at most `maxBytes`, digest- and size-checked as
 * it streams in (registries often redirect blobs to object storage). The
 * bytes are shared between callers of one store: copy before handing out.
 */
export async function fetchBlob(
  session: Session,
  repo: Repository,
  descriptor: Readonly<Descriptor>,
  maxBytes: number,
  op: Operation,
): Promise<Uint8Array> {
  const { digest, size } = descriptor;
  if (!digest.startsWith("sha256:")) {
    throw opError(
      op,
      "DIGEST_UNSUPPORTED",
      `${digest} cannot be verified: only sha256 digests are`,
    );
  }
  if (size > maxBytes) {
    throw opError(
      op,
      "TOO_LARGE",
      `the descriptor says ${size} bytes, more than the limit of ${maxBytes}`,
    );
  }
  const url = repositoryUrl(session, repo, `blobs/${digest}`);
  const bytes = await session.flights.run(flightKey("blob", "GET", url, repo), op, async () => {
    const res = await pull(session, repo, { method: "GET", url }, op);
    const read = { what: `blob ${digest}`, maxBytes, expectedSize: size };
    const content = await readDigested(res, op, read, session.deps.sha256);
    checkDigest(op, `blob ${digest}`, digest, content.digest);
    return content.bytes;
  });
  // A caller joining another's load may hold a descriptor with another size.
  if (bytes.byteLength !== size) {
    throw opError(
      op,
      "SIZE_MISMATCH",
      `blob ${digest} has ${bytes.byteLength} bytes, the descriptor says ${size}`,
    );
  }
  return bytes;
}
