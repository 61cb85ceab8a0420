import { OciError } from "../errors.ts";

/**
 * `WWW-Authenticate` parsing (RFC 9110 section 11.6.1): one or more
 * challenges, each a scheme followed by a token68 or by `name=value`
 * parameters whose values are tokens or quoted strings with `\` escapes.
 * Several headers joined by `Headers.get` (", ") parse as one list.
 */

export interface Challenge {
  /** Lower case, e.g. `bearer`, `basic`. */
  scheme: string;
  /** Parameter names in lower case, e.g. `realm`, `service`, `scope`. */
  params: Readonly<Record<string, string>>;
  token68?: string;
}

const MAX_HEADER = 16 * 1024;
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const SCHEME = new RegExp(TOKEN, "y");
const PARAM = new RegExp(
  `(${TOKEN})[ \\t]*=[ \\t]*(?:"((?:[^"\\\\]|\\\\[\\s\\S])*)"|(${TOKEN}))`,
  "y",
);
const TOKEN68 = /[A-Za-z0-9._~+/-]+=*(?=[ \t]*(?:,|$))/y;
const SPACES = /[ \t]+/y;
const LIST_SEPARATOR = /[ \t]*,[ \t,]*/y;
const BLANK = /[ \t,]*/y;

export function parseChallenges(header: string): Challenge[] {
  if (header.length > MAX_HEADER) throw invalid(header, `longer than ${MAX_HEADER} characters`);
  const scan = new Scanner(header);
  const challenges: Challenge[] = [];
  scan.match(BLANK);
  while (!scan.done) {
    const scheme = scan.match(SCHEME)?.[0];
    if (scheme === undefined) {
      throw invalid(header, `expected an auth scheme at offset ${scan.pos}`);
    }
    const params: Record<string, string> = {};
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params };
    challenges.push(challenge);
    if (scan.match(SPACES)) {
      const token68 = scan.match(TOKEN68)?.[0];
      if (token68 !== undefined) challenge.token68 = token68;
      else readParams(scan, params, header);
    }
    scan.match(SPACES);
    if (!scan.done && !scan.match(LIST_SEPARATOR)) {
      throw invalid(
        header,
        `unexpected "${header.slice(scan.pos, scan.pos + 10)}" at offset ${scan.pos}`,
      );
    }
  }
  if (challenges.length === 0) throw invalid(header, "no challenge");
  return challenges;
}

/** Reads `name=value` pairs up to the end or to the start of the next challenge. */
function readParams(scan: Scanner, params: Record<string, string>, header: string): void {
  for (;;) {
    const param = scan.match(PARAM);
    if (!param) return;
    const name = (param[1] ?? "").toLowerCase();
    if (Object.hasOwn(params, name)) throw invalid(header, `parameter "${name}" given twice`);
    params[name] =
      param[2] === undefined ? (param[3] ?? "") : param[2].replace(/\\([\s\S])/g, "$1");
    const beforeSeparator = scan.pos;
    if (!scan.match(LIST_SEPARATOR)) return;
    // After a comma comes another parameter of this challenge, or the next challenge.
    if (!scan.peek(PARAM)) {
      scan.pos = beforeSeparator;
      return;
    }
  }
}

class Scanner {
  pos = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  get done(): boolean {
    return this.pos >= this.#text.length;
  }

  /** Matches the sticky `pattern` at the position and moves past it. */
  match(pattern: RegExp): RegExpExecArray | null {
    const found = this.peek(pattern);
    if (found) this.pos += found[0].length;
    return found && found[0].length > 0 ? found : null;
  }

  peek(pattern: RegExp): RegExpExecArray | null {
    pattern.lastIndex = this.pos;
    return pattern.exec(this.#text);
  }
}

function invalid(header: string, problem: string): OciError {
  const shown = header.length > 200 ? `${header.slice(0, 200)}...` : header;
  return new OciError("AUTH_CHALLENGE_INVALID", `WWW-Authenticate "${shown}": ${problem}`);
}
