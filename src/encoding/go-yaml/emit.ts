import { goYamlScalar, isSimpleKey } from "./scalar.ts";

/**
 * A map of maps of strings as Kyverno's YAML encoder writes it
 * (go.yaml.in/yaml/v3, indent 2, no line folding): keys in yaml.v3's natural
 * order, values in the style the emitter picks.
 */
export function goYamlNestedMap(map: ReadonlyMap<string, ReadonlyMap<string, string>>): string {
  let out = "";
  let openEnded = false;
  for (const outerKey of [...map.keys()].sort(goYamlKeyOrder)) {
    const inner = map.get(outerKey) ?? new Map<string, string>();
    const simple = isSimpleKey(outerKey);
    const key = goYamlScalar(outerKey, 2, simple).text;
    // A key over 128 bytes is written `? key`; its map then starts on the `:` line.
    out += simple ? `${key}:\n` : `? ${key}\n: `;
    let first = true;
    for (const innerKey of [...inner.keys()].sort(goYamlKeyOrder)) {
      const pad = first && !simple ? "" : "  ";
      first = false;
      const entry = entryText(innerKey, inner.get(innerKey) ?? "", pad);
      out += entry.text;
      openEnded = entry.openEnded;
    }
  }
  return openEnded ? `${out}...\n` : out;
}

function entryText(key: string, value: string, pad: string): { text: string; openEnded: boolean } {
  const scalar = goYamlScalar(value, 4, false);
  const simple = isSimpleKey(key);
  const keyText = goYamlScalar(key, 4, simple).text;
  const head = simple ? `${pad}${keyText}:` : `${pad}? ${keyText}\n  :`;
  // Block scalars end with their own line break; everything else needs one.
  const ends = /[\n\r\u0085\u2028\u2029]$/.test(scalar.text);
  return { text: `${head} ${scalar.text}${ends ? "" : "\n"}`, openEnded: scalar.openEnded };
}

const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;

/**
 * yaml.v3's map key order for strings: rune by rune; two letters compare by
 * code point; a letter and a non-letter put the non-letter first unless the
 * runes before were digits; runs of digits compare as numbers.
 */
export function goYamlKeyOrder(a: string, b: string): number {
  if (a === b) return 0;
  return keyLess([...a], [...b]) ? -1 : 1;
}

function keyLess(ar: string[], br: string[]): boolean {
  let digits = false;
  const n = Math.min(ar.length, br.length);
  for (let i = 0; i < n; i++) {
    const [a, b] = [ar[i] ?? "", br[i] ?? ""];
    if (a === b) {
      digits = DIGIT.test(a);
      continue;
    }
    const [al, bl] = [LETTER.test(a), LETTER.test(b)];
    if (al && bl) return codePoint(a) < codePoint(b);
    if (al || bl) return digits ? al : bl;
    let [an, bn] = [0n, 0n];
    if (a === "0" || b === "0") {
      for (let j = i - 1; j >= 0 && DIGIT.test(ar[j] ?? ""); j--) {
        if (ar[j] !== "0") {
          [an, bn] = [1n, 1n];
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && DIGIT.test(ar[ai] ?? ""); ai++) an = next(an, ar[ai]);
    let bi = i;
    for (; bi < br.length && DIGIT.test(br[bi] ?? ""); bi++) bn = next(bn, br[bi]);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return codePoint(a) < codePoint(b);
  }
  return ar.length < br.length;
}

function codePoint(char: string): number {
  return char.codePointAt(0) ?? 0;
}

// n*10 + digit in Go's int64, wrapping as Go does; Go subtracts '0' from the rune, whatever digit it is.
function next(n: bigint, char: string | undefined): bigint {
  return BigInt.asIntN(64, n * 10n + BigInt(codePoint(char ?? "0") - 48));
}
