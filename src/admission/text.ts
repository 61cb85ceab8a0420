/** Bounds on text that goes back to Kubernetes or into messages, counted in code points. */

/** `text` cut to at most `max` code points, the last one an ellipsis when cut; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let count = 0;
  let end = 0;
  let keep = 0;
  for (const char of text) {
    if (count === max - 1) keep = end;
    count += 1;
    if (count > max) return `${text.slice(0, keep)}…`;
    end += char.length;
  }
  return text;
}

/** Length in code points (what the API server counts for warnings). */
export function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** A JSON-quoted excerpt of a value for an error message. */
export function quote(value: string, max = 120): string {
  return JSON.stringify(truncate(value, max));
}
