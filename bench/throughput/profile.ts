/**
 * Where a warm admission's CPU goes, from a sampling profile of the webhook
 * under load (`bun --cpu-prof`, Chrome's .cpuprofile format): the sampled
 * time of the JavaScript thread by area (imgverify's own modules by
 * directory, each dependency by package, the runtime's own JavaScript) and
 * the functions that take most of it. A native function (JSON.stringify,
 * Response, fetch) counts under the area that called it, under its own name.
 * Samples outside JavaScript (idle, or native work the profiler cannot
 * place) are left out, so the shares are of the time JavaScript ran, and so
 * is everything before the first admission (start-up, module loading).
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The parts of a .cpuprofile read here. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds before each sample. */
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  /** Of the sampled JavaScript time, 0 to 1. */
  share: number;
}

export interface ProfileSummary {
  /** Milliseconds of JavaScript the profiler sampled. */
  sampledMs: number;
  /** Admissions answered while the profile ran. */
  admissions: number;
  /** sampledMs per admission, in microseconds (the profiler's own overhead included). */
  usPerAdmission: number;
  areas: ProfileShare[];
  /** By self time, with the area each is counted under. */
  functions: (ProfileShare & { area: string })[];
}

const TOP_AREAS = 8;
const TOP_FUNCTIONS = 10;

/** The area of a frame's URL, or undefined for a native frame (no URL). */
function areaOf(url: string, root: string): string | undefined {
  if (url === "") return undefined;
  const path = shortPath(url, root);
  if (path !== localPath(url, root)) {
    const [scope, name] = path.split("/");
    return scope?.startsWith("@") ? `${scope}/${name}` : (scope ?? path);
  }
  if (path.startsWith("src/")) return path.split("/").slice(0, 2).join("/");
  if (path.startsWith("node:") || path.startsWith("internal:")) return "runtime JavaScript";
  return path;
}

/** `url` as a path under `root` when it is one. */
function localPath(url: string, root: string): string {
  const path = url.startsWith("file://") ? url.slice("file://".length) : url;
  return path.startsWith(root) ? path.slice(root.length) : path;
}

/** A dependency's file from its package on, anything else under `root`. */
function shortPath(url: string, root: string): string {
  const local = localPath(url, root);
  const modules = local.lastIndexOf("node_modules/");
  return modules >= 0 ? local.slice(modules + "node_modules/".length) : local;
}

function topShares(counts: Map<string, number>, total: number, top: number): ProfileShare[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, share: Math.round((us / total) * 1000) / 1000 }));
}

/** A frame of the admission routes: where the first admission's samples begin. */
const ADMISSION_HANDLER = "/src/http/webhook.ts";

export function summarizeCpuProfile(
  profile: CpuProfile,
  root: string,
  admissions: number,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const areaCache = new Map<number, string>();
  /** The area of the nearest frame from `id` up that has a URL. */
  const placedArea = (id: number): string => {
    const known = areaCache.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const own = node === undefined ? "unknown" : areaOf(node.callFrame.url, root);
    const up = parent.get(id);
    const area = own ?? (up === undefined ? "native" : placedArea(up));
    areaCache.set(id, area);
    return area;
  };
  const inAdmission = (id: number | undefined): boolean => {
    for (let at = id; at !== undefined; at = parent.get(at)) {
      if (byId.get(at)?.callFrame.url.endsWith(ADMISSION_HANDLER)) return true;
    }
    return false;
  };
  const first = profile.samples.findIndex((id) => inAdmission(id));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  const functionArea = new Map<string, string>();
  let sampledUs = 0;
  profile.samples.forEach((id, index) => {
    if (first < 0 || index < first) return;
    const node = byId.get(id);
    const us = profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0;
    if (node === undefined || us <= 0) return;
    const { functionName, url, lineNumber } = node.callFrame;
    // The profile's own bookkeeping nodes, and samples taken outside JavaScript.
    if (functionName === "" && url === "") return;
    if (functionName.startsWith("(") && url === "") return;
    const area = placedArea(id);
    const name =
      url === ""
        ? `${functionName} (native)`
        : `${functionName || "(anonymous)"} ${shortPath(url, root)}:${lineNumber + 1}`;
    sampledUs += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const key = `${name}|${area}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    functionArea.set(key, area);
  });
  const total = Math.max(sampledUs, 1);
  return {
    sampledMs: Math.round(sampledUs / 100) / 10,
    admissions,
    usPerAdmission: admissions > 0 ? Math.round((sampledUs / admissions) * 10) / 10 : 0,
    areas: topShares(areas, total, TOP_AREAS),
    functions: topShares(functions, total, TOP_FUNCTIONS).map((f) => ({
      name: f.name.slice(0, f.name.lastIndexOf("|")),
      area: functionArea.get(f.name) ?? "unknown",
      share: f.share,
    })),
  };
}

const percent = (share: number): string => `${(share * 100).toFixed(1)}%`.padStart(6);

export function printProfileSummary(summary: ProfileSummary): void {
  console.log(
    `\nwhere a warm digest-pinned admission's JavaScript time goes (bun --cpu-prof of the webhook under load): ` +
      `${summary.sampledMs} ms sampled over ${summary.admissions} admissions, ${summary.usPerAdmission} us each`,
  );
  console.log(
    `  by area: ${summary.areas.map((a) => `${a.name} ${percent(a.share).trim()}`).join(", ")}`,
  );
  console.log("  by function (self time):");
  for (const f of summary.functions) console.log(`    ${percent(f.share)}  ${f.name}  [${f.area}]`);
}
