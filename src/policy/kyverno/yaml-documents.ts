import { parseAllDocuments } from "yaml";

type ParseOptions = Parameters<typeof parseAllDocuments>[1];

import type { PolicyIssue } from "../errors.ts";

/** A file handed in by the caller: its path (for messages) and its text. */
export interface PolicyFile {
  readonly path: string;
  readonly text: string;
}

export interface YamlDocument {
  readonly file: string;
  readonly index: number;
  readonly value: unknown;
}

export const YAML_LIMITS: {
  readonly maxFileChars: number;
  readonly maxDocuments: number;
  readonly maxAliasCount: number;
} = {
  /** Characters in one file. */
  maxFileChars: 4 * 1024 * 1024,
  /** Documents in one file. */
  maxDocuments: 2_000,
  /** Alias expansions in one document (stops "billion laughs"). */
  maxAliasCount: 100,
} as const;

// Kubernetes reads manifests with go-yaml v2 (YAML 1.1: `yes`/`on` are
// booleans, `0777` is octal) but keeps timestamps, sexagesimal numbers and
// binary scalars as strings; the 1.1 schema here is trimmed to match.
const KUBERNETES_YAML = {
  version: "1.1" as const,
  customTags: (tags: unknown[]): unknown[] =>
    tags.filter((t) => {
      const { tag, format } = t as { tag?: string; format?: string };
      return !tag?.endsWith(":timestamp") && !tag?.endsWith(":binary") && format !== "TIME";
    }),
};

/** Every non-empty document of every file; syntax errors become `YAML_INVALID` issues. */
export function parseYamlFiles(files: readonly PolicyFile[]): {
  documents: YamlDocument[];
  issues: PolicyIssue[];
} {
  const documents: YamlDocument[] = [];
  const issues: PolicyIssue[] = [];
  for (const { path, text } of files) {
    const fail = (message: string, document = 0): void => {
      issues.push({ code: "YAML_INVALID", path: "", message, file: path, document });
    };
    if (text.length > YAML_LIMITS.maxFileChars) {
      fail(`file is larger than ${YAML_LIMITS.maxFileChars} characters`);
      continue;
    }
    const parsed = parseAllDocuments(text, KUBERNETES_YAML as unknown as ParseOptions);
    const docs = Array.isArray(parsed) ? parsed : [];
    if (!Array.isArray(parsed)) fail("not a YAML stream");
    if (docs.length > YAML_LIMITS.maxDocuments) {
      fail(`more than ${YAML_LIMITS.maxDocuments} documents`);
      continue;
    }
    docs.forEach((doc, index) => {
      const [error] = doc.errors;
      if (error !== undefined) {
        fail(error.message.split("\n")[0] ?? "YAML syntax error", index);
        return;
      }
      try {
        const value: unknown = doc.toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
        if (value !== null && value !== undefined) documents.push({ file: path, index, value });
      } catch (err) {
        fail(err instanceof Error ? err.message : String(err), index);
      }
    });
  }
  return { documents, issues };
}
