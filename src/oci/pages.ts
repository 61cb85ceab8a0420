import { type Operation, opError } from "./operation.ts";

/** Lists that come in pages chained by `Link: <url>; rel="next"` headers. */

export interface Page<T> {
  readonly items: readonly T[];
  /** Absolute URL of the next page. */
  readonly next: string | undefined;
}

/** All items from `first` on, following `next` through `loadPage`; bounded in pages and items. */
export async function collectPages<T>(
  first: Page<T>,
  loadPage: (url: URL) => Promise<Page<T>>,
  op: Operation,
  bounds: { what: string; maxPages: number; maxItems: number },
): Promise<T[]> {
  const items: T[] = [];
  let page = first;
  for (let count = 1; ; count++) {
    items.push(...page.items);
    if (items.length > bounds.maxItems) {
      throw opError(op, "TOO_LARGE", `${bounds.what}: more than ${bounds.maxItems} entries`);
    }
    if (page.next === undefined) return items;
    if (count >= bounds.maxPages) {
      throw opError(op, "TOO_LARGE", `${bounds.what}: more than ${bounds.maxPages} pages`);
    }
    page = await loadPage(new URL(page.next));
  }
}

/** The `rel="next"` target of a `Link` header, resolved against `base`. */
export function nextLink(header: string | null, base: URL): string | undefined {
  if (header === null) return undefined;
  for (const link of header.matchAll(/<([^>]*)>([^,]*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(link[2] ?? "");
    const relations = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    const target = link[1] ?? "";
    if (relations.includes("next") && URL.canParse(target, base)) return new URL(target, base).href;
  }
  return undefined;
}
