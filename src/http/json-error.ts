/** One bad field of a request: where it is (`request.uid`, `images[2]`) and what is wrong. */
export interface JsonErrorIssue {
  path: string;
  message: string;
}

/**
 * The body of every HTTP error imgverify answers: `{error: {code, message}}`,
 * with `issues` listing every bad field when the request was read far enough
 * to name them.
 */
export interface JsonErrorBody {
  error: { code: string; message: string; issues?: JsonErrorIssue[] };
}

export function errorBody(
  code: string,
  message: string,
  issues: readonly JsonErrorIssue[] = [],
): JsonErrorBody {
  const listed = issues.map(({ path, message }) => ({ path, message }));
  return { error: { code, message, ...(listed.length > 0 && { issues: listed }) } };
}
