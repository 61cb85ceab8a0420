import { type Operation, opError } from "./operation.ts";
import { collectPages, nextLink, type Page } from "./pages.ts";
import type { Repository } from "./reference.ts";
import { flightKey, pull, repositoryUrl, type Session } from "./session.ts";
import { readBody } from "./transport/body.ts";

/** Every tag of `repo`, following `Link` pagination within the client's limits. */
export async function listTags(
  session: Session,
  repo: Repository,
  op: Operation,
): Promise<string[]> {
  const loadPage = (url: URL): Promise<Page<string>> =>
    session.flights.run(flightKey("tags", "GET", url, repo), op, async () => {
      const res = await pull(session, repo, { method: "GET", url }, op);
      const bytes = await readBody(res, op, {
        what: "tag list",
        maxBytes: session.limits.manifestBytes,
      });
      const tags = parseTagList(bytes);
      if (tags === undefined) {
        throw opError(op, "RESPONSE_INVALID", 'the tag list is not {"tags": [strings]}');
      }
      return Object.freeze({
        items: Object.freeze(tags),
        next: nextLink(res.headers.get("link"), url),
      });
    });
  const first = repositoryUrl(session, repo, "tags/list");
  const { maxPages, maxTags } = session.limits;
  return collectPages(await loadPage(first), loadPage, op, {
    what: "tag list",
    maxPages,
    maxItems: maxTags,
  });
}

function parseTagList(bytes: Uint8Array): string[] | undefined {
  try {
    const tags: unknown = (JSON.parse(new TextDecoder().decode(bytes)) as { tags?: unknown } | null)
      ?.tags;
    // A repository without tags may answer `"tags": null` or leave the field out.
    if (tags === null || tags === undefined) return [];
    return Array.isArray(tags) && tags.every((t) => typeof t === "string") ? tags : undefined;
  } catch {
    return undefined;
  }
}
