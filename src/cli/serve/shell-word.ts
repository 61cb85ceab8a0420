/** `text` as one word a POSIX shell reads back unchanged, so a printed command pastes as is. */
export function shellWord(text: string): string {
  return /^[\w./:@%+=-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
