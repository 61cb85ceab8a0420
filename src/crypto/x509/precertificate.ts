import { concatBytes } from "@noble/hashes/utils.js";
import { bytesEqual } from "../bytes.ts";
import { DER_OID, DER_SEQUENCE, DerReader, encodeDer } from "../der.ts";
import type { Certificate } from "./certificate.ts";

const TAG_EXTENSIONS = 0xa3;
/** 1.3.6.1.4.1.11129.2.4.2, the embedded SCT list, as OID content bytes. */
const SCT_LIST_OID = new Uint8Array([0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02]);

/**
 * The TBSCertificate as the CT log signed it (RFC 6962 3.2): the certificate's
 * TBS with the embedded SCT list extension removed, re-encoded. Checking an
 * embedded SCT signs over this, not over `cert.tbs`.
 */
export function precertificateTbs(cert: Certificate): Uint8Array {
  // Typed, so that `fail` (never) narrows below.
  const reader: DerReader = new DerReader(
    cert.tbs,
    "CERT_INVALID",
    `${cert.describe()}: precertificate TBS`,
  );
  const fields = reader.children(reader.whole(DER_SEQUENCE));
  const last = fields[fields.length - 1];
  if (last?.tag !== TAG_EXTENSIONS) reader.fail("the certificate has no extensions");
  const [list] = reader.children(last);
  if (list === undefined) reader.fail("empty extensions");
  const extensions = reader.children(reader.expect(list, DER_SEQUENCE));
  const kept = extensions.filter((extension) => {
    const [oid] = reader.children(extension);
    if (oid === undefined) reader.fail("empty extension");
    return !bytesEqual(reader.content(reader.expect(oid, DER_OID)), SCT_LIST_OID);
  });
  if (kept.length === extensions.length) reader.fail("the certificate has no embedded SCT list");
  const parts = fields.slice(0, -1).map((field) => reader.raw(field));
  if (kept.length > 0) {
    const list = encodeDer(
      DER_SEQUENCE,
      concatBytes(...kept.map((extension) => reader.raw(extension))),
    );
    parts.push(encodeDer(TAG_EXTENSIONS, list));
  }
  return encodeDer(DER_SEQUENCE, concatBytes(...parts));
}
