/**
 * What Go's `regexp` does with the patterns Kyverno policies hold: each case
 * gives a pattern, an input and Go's `MatchString` answer, or "refuses" when
 * `regexp.Compile` returns an error. The answers come from Go's own text:
 * `regexp/syntax/doc.go` (the syntax), `regexp/syntax/parse.go` (what the
 * parser rejects) and `regexp/regexp.go` (SubexpIndex on repeated names).
 * bench/regexp.ts scores engines against it; test/unit/bench/regexp-table.test.ts
 * holds re2js to it.
 */

/** Go's answer: `MatchString(input)`, or "refuses" when Compile fails. */
export type GoOutcome = boolean | "refuses";

export interface RegexpCase {
  /** The feature the case exercises. */
  readonly topic: string;
  readonly pattern: string;
  readonly input: string;
  readonly go: GoOutcome;
  /** Where Go's behaviour is written down. */
  readonly source: string;
  /** A known re2js divergence from Go: what re2js answers and why. */
  readonly divergence?: { readonly re2js: GoOutcome; readonly reason: string };
}

const DOC = "syntax/doc.go";
const PARSE = "syntax/parse.go";
const EMOJI = "\u{1F600}";

export const REGEXP_CASES: readonly RegexpCase[] = [
  // Flags (doc.go "Grouping": (?flags) anywhere, (?flags:re), i m s U).
  { topic: "(?i) mid-pattern", pattern: "a(?i)b", input: "aB", go: true, source: DOC },
  { topic: "(?i:re) flag group", pattern: "a(?i:b)c", input: "aBc", go: true, source: DOC },
  { topic: "(?i) leading", pattern: "(?i)^abc$", input: "ABC", go: true, source: DOC },
  {
    topic: "(?i) simple folding: Kelvin sign K",
    pattern: "(?i)k",
    input: "\u212A",
    go: true,
    source: `${PARSE} asciiFoldTable, unicode.SimpleFold`,
  },
  {
    topic: "(?i) simple folding: long s",
    pattern: "(?i)s",
    input: "\u017F",
    go: true,
    source: `${PARSE} asciiFoldTable, unicode.SimpleFold`,
  },
  { topic: "(?s) dot matches \\n", pattern: "(?s)a.b", input: "a\nb", go: true, source: DOC },
  { topic: "dot refuses \\n by default", pattern: "a.b", input: "a\nb", go: false, source: DOC },
  { topic: "(?s:re) flag group", pattern: "(?s:.)", input: "\n", go: true, source: DOC },
  { topic: "(?m) ^ $ at lines", pattern: "(?m)^b$", input: "a\nb\nc", go: true, source: DOC },
  { topic: "^ $ at text only", pattern: "^b$", input: "a\nb\nc", go: false, source: DOC },
  { topic: "(?U) ungreedy compiles", pattern: "(?U)^a+$", input: "aaa", go: true, source: DOC },
  { topic: "(?Ui) combined flags", pattern: "(?Ui)^A+b", input: "aaB", go: true, source: DOC },
  { topic: "(?i-s) set and clear", pattern: "(?s)a(?i-s:.)", input: "a\n", go: false, source: DOC },
  // Anchors (doc.go "Empty strings").
  { topic: "\\A at text start", pattern: "\\Aab", input: "ab", go: true, source: DOC },
  { topic: "\\A not after start", pattern: "\\Ab", input: "ab", go: false, source: DOC },
  { topic: "\\z before final \\n", pattern: "a\\z", input: "a\n", go: false, source: DOC },
  { topic: "$ is \\z, not \\Z", pattern: "a$", input: "a\n", go: false, source: DOC },
  { topic: "(?m)$ before \\n", pattern: "(?m)a$", input: "a\n", go: true, source: DOC },
  { topic: "\\Z unsupported", pattern: "a\\Z", input: "aZ", go: "refuses", source: PARSE },
  {
    topic: "\\b ASCII word boundary",
    pattern: "\\bfoo\\b",
    input: "a foo.",
    go: true,
    source: DOC,
  },
  { topic: "\\b inside a word", pattern: "\\bfoo\\b", input: "afoo", go: false, source: DOC },
  // Named groups (doc.go "Grouping"; regexp.go SubexpIndex).
  {
    topic: "(?P<name>re)",
    pattern: "^(?P<year>\\d{4})-(?P<month>\\d{2})$",
    input: "2024-05",
    go: true,
    source: DOC,
  },
  {
    topic: "(?<name>re) (Go 1.22+)",
    pattern: "^(?<year>\\d{4})$",
    input: "2024",
    go: true,
    source: DOC,
  },
  {
    topic: "repeated group name",
    pattern: "(?P<n>a)(?P<n>b)",
    input: "ab",
    go: true,
    source: "regexp.go SubexpIndex: (?P<bob>a+)(?P<bob>b+) declares two groups",
    divergence: {
      re2js: "refuses",
      reason:
        "re2js follows RE2 C++ / RE2J: 'duplicate capture group name'; Go's parser has no such check",
    },
  },
  // Classes (doc.go "Single characters", "ASCII character classes", "Perl character classes").
  { topic: "[[:alpha:]]", pattern: "^[[:alpha:]]+$", input: "abc", go: true, source: DOC },
  { topic: "[[:^alpha:]]", pattern: "^[[:^alpha:]]$", input: "1", go: true, source: DOC },
  { topic: "unknown [[:foo:]]", pattern: "[[:foo:]]", input: "f", go: "refuses", source: PARSE },
  { topic: "]] first in class", pattern: "^[]a]$", input: "]", go: true, source: PARSE },
  { topic: "\\pL one-letter class", pattern: "^\\pL$", input: "é", go: true, source: DOC },
  { topic: "\\p{Greek} script", pattern: "^\\p{Greek}+$", input: "αβγ", go: true, source: DOC },
  { topic: "\\PL negated", pattern: "^\\PL$", input: "1", go: true, source: DOC },
  { topic: "\\p{Han}", pattern: "^\\p{Han}$", input: "漢", go: true, source: DOC },
  {
    topic: "unknown \\p{Klingon}",
    pattern: "\\p{Klingon}",
    input: "k",
    go: "refuses",
    source: PARSE,
  },
  { topic: "\\s is ASCII: no NBSP", pattern: "\\s", input: "\u00A0", go: false, source: DOC },
  { topic: "\\s is [\\t\\n\\f\\r ]: no \\v", pattern: "\\s", input: "\v", go: false, source: DOC },
  // Escapes (doc.go "Escape sequences"; parse.go parseEscape).
  { topic: "\\Q...\\E literal", pattern: "^\\Qa.b\\E$", input: "a.b", go: true, source: DOC },
  { topic: "\\Q...\\E no metachar", pattern: "^\\Qa.b\\E$", input: "axb", go: false, source: DOC },
  { topic: "\\C any byte unsupported", pattern: "a\\C", input: "aC", go: "refuses", source: PARSE },
  { topic: "\\x{10FFFF} escape", pattern: `^\\x{1F600}$`, input: EMOJI, go: true, source: DOC },
  { topic: "\\8 invalid escape", pattern: "\\8", input: "8", go: "refuses", source: PARSE },
  { topic: "\\_ allowed", pattern: "^\\_$", input: "_", go: true, source: PARSE },
  // Characters are runes, not UTF-16 code units.
  { topic: ". is one rune (astral)", pattern: "^.$", input: EMOJI, go: true, source: DOC },
  { topic: ".. is two runes", pattern: "^..$", input: EMOJI, go: false, source: DOC },
  { topic: "astral rune in class", pattern: `^[${EMOJI}]$`, input: EMOJI, go: true, source: DOC },
  { topic: "negated class, astral", pattern: "^[^a]$", input: EMOJI, go: true, source: DOC },
  // Not RE2: no lookaround, backreferences, possessive or atomic groups.
  { topic: "lookahead", pattern: "a(?=b)", input: "ab", go: "refuses", source: PARSE },
  { topic: "lookbehind", pattern: "(?<!a)b", input: "cb", go: "refuses", source: PARSE },
  { topic: "backreference \\1", pattern: "(a)\\1", input: "aa", go: "refuses", source: PARSE },
  { topic: "possessive a++", pattern: "a++", input: "aa", go: "refuses", source: PARSE },
  { topic: "atomic (?>re)", pattern: "(?>a)", input: "a", go: "refuses", source: PARSE },
  { topic: "nested repetition a**", pattern: "a**", input: "a", go: "refuses", source: PARSE },
  // Repetition counts (doc.go "Implementation restriction"; parse.go repeatIsValid).
  {
    topic: "x{1000} allowed",
    pattern: "^a{1000}$",
    input: "a".repeat(1000),
    go: true,
    source: DOC,
  },
  { topic: "x{1001} refused", pattern: "a{1001}", input: "a", go: "refuses", source: DOC },
  {
    topic: "nested counts over 1000",
    pattern: "(a{100}){11}",
    input: "a",
    go: "refuses",
    source: `${PARSE} repeatIsValid`,
  },
  { topic: "x{,3} is literal", pattern: "^x{,3}$", input: "x{,3}", go: true, source: PARSE },
  // Alternation.
  { topic: "empty alternative a|", pattern: "a|", input: "b", go: true, source: DOC },
  { topic: "empty alternative (|a)", pattern: "^(|a)$", input: "", go: true, source: DOC },
];

export interface MatcherEngine {
  /** Compiles `pattern` or throws; the result answers Go's MatchString. */
  compile(pattern: string): { test(input: string): boolean };
}

/** What `engine` answers for `c`: its match result, or "refuses" when it will not compile. */
export function outcome(engine: MatcherEngine, c: RegexpCase): GoOutcome {
  let matcher: { test(input: string): boolean };
  try {
    matcher = engine.compile(c.pattern);
  } catch {
    return "refuses";
  }
  return matcher.test(c.input);
}
