/**
 * The predicate type a DSSE envelope claims, read before verification only
 * to pass over artifacts that are not the evidence asked for. Nothing read
 * here is trusted: an envelope picked by it is verified in full, and one
 * passed over can only make a check find nothing, never pass.
 */

/** The `predicateType` of the in-toto statement in `envelope`'s payload, if it has one. */
export function claimedPredicateType(envelope: unknown): string | undefined {
  if (!isRecord(envelope) || typeof envelope.payload !== "string") return undefined;
  try {
    const statement: unknown = JSON.parse(decodeBase64Text(envelope.payload));
    return isRecord(statement) && typeof statement.predicateType === "string"
      ? statement.predicateType
      : undefined;
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function decodeBase64Text(base64: string): string {
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}
