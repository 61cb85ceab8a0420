/**
 * TLS material for the webhook Service: a CA that signs one serving
 * certificate (ECDSA P-256 with SHA-256) whose names are the ones the API
 * server dials for a Service. Keys and signatures come from WebCrypto, the
 * certificate structures from @peculiar/asn1-x509. The CA's private key is
 * never exported: it signs once and is dropped, so nobody can mint more
 * certificates from it; rotating means running again.
 */
import { ecdsaWithSHA256 } from "@peculiar/asn1-ecc";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import * as x509 from "@peculiar/asn1-x509";
import { ecdsaP1363ToDer, encodePem } from "../../crypto/index.ts";

export interface WebhookTlsOptions {
  service: string;
  namespace: string;
  /** Validity of both certificates, from `now`. */
  days: number;
  /** Extra DNS and IP subject alternative names for the serving certificate. */
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
  now: Date;
}

export interface WebhookTls {
  /** PEM: the CA certificate, the `caBundle` of the webhook configuration. */
  caCert: string;
  /** PEM: the serving certificate. */
  tlsCert: string;
  /** PEM PKCS#8: the serving certificate's private key. */
  tlsKey: string;
  dnsNames: string[];
  notAfter: Date;
}

const EC_KEY = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;
/** Certificates start a little in the past, so a node whose clock lags still accepts them. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const OID_COMMON_NAME = "2.5.4.3";

/** The names the API server may use for `service` in `namespace`, shortest first. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

export async function generateWebhookTls(options: WebhookTlsOptions): Promise<WebhookTls> {
  const { subtle } = crypto;
  const validity = new x509.Validity({
    notBefore: new Date(options.now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(options.now.getTime() + options.days * DAY_MS),
  });
  const caKeys = await subtle.generateKey(EC_KEY, false, ["sign", "verify"]);
  const leafKeys = await subtle.generateKey(EC_KEY, true, ["sign", "verify"]);
  const [caSpki, leafSpki] = await Promise.all([spkiOf(caKeys), spkiOf(leafKeys)]);
  const [caKeyId, leafKeyId] = await Promise.all([keyIdOf(caSpki), keyIdOf(leafSpki)]);
  const caName = commonName(`${options.service}.${options.namespace}.svc webhook CA`);
  const ca = await signCertificate(caKeys.privateKey, {
    issuer: caName,
    subject: caName,
    validity,
    spki: caSpki,
    extensions: [
      extension(
        x509.id_ce_basicConstraints,
        true,
        new x509.BasicConstraints({ cA: true, pathLenConstraint: 0 }),
      ),
      extension(
        x509.id_ce_keyUsage,
        true,
        new x509.KeyUsage(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign),
      ),
      extension(x509.id_ce_subjectKeyIdentifier, false, new x509.SubjectKeyIdentifier(caKeyId)),
    ],
  });
  const dnsNames = [
    ...new Set([...serviceDnsNames(options.service, options.namespace), ...options.dnsNames]),
  ];
  const altNames = [
    ...dnsNames.map((dNSName) => new x509.GeneralName({ dNSName })),
    ...options.ipAddresses.map((iPAddress) => new x509.GeneralName({ iPAddress })),
  ];
  const leaf = await signCertificate(caKeys.privateKey, {
    issuer: caName,
    subject: commonName(`${options.service}.${options.namespace}.svc`),
    validity,
    spki: leafSpki,
    extensions: [
      extension(x509.id_ce_basicConstraints, true, new x509.BasicConstraints({ cA: false })),
      extension(x509.id_ce_keyUsage, true, new x509.KeyUsage(x509.KeyUsageFlags.digitalSignature)),
      extension(x509.id_ce_extKeyUsage, false, new x509.ExtendedKeyUsage([x509.id_kp_serverAuth])),
      extension(x509.id_ce_subjectAltName, false, new x509.SubjectAlternativeName(altNames)),
      extension(x509.id_ce_subjectKeyIdentifier, false, new x509.SubjectKeyIdentifier(leafKeyId)),
      extension(
        x509.id_ce_authorityKeyIdentifier,
        false,
        new x509.AuthorityKeyIdentifier({ keyIdentifier: new x509.KeyIdentifier(caKeyId) }),
      ),
    ],
  });
  const pkcs8 = new Uint8Array(await subtle.exportKey("pkcs8", leafKeys.privateKey));
  return {
    caCert: encodePem("CERTIFICATE", ca),
    tlsCert: encodePem("CERTIFICATE", leaf),
    tlsKey: encodePem("PRIVATE KEY", pkcs8),
    dnsNames,
    notAfter: validity.notAfter.getTime(),
  };
}

interface CertificateFields {
  issuer: x509.Name;
  subject: x509.Name;
  validity: x509.Validity;
  spki: x509.SubjectPublicKeyInfo;
  extensions: x509.Extension[];
}

async function signCertificate(key: CryptoKey, fields: CertificateFields): Promise<Uint8Array> {
  const tbsCertificate = new x509.TBSCertificate({
    version: x509.Version.v3,
    serialNumber: serialNumber(),
    signature: ecdsaWithSHA256,
    issuer: fields.issuer,
    validity: fields.validity,
    subject: fields.subject,
    subjectPublicKeyInfo: fields.spki,
    extensions: new x509.Extensions(fields.extensions),
  });
  const tbs = AsnConvert.serialize(tbsCertificate);
  const raw = new Uint8Array(await crypto.subtle.sign(SIGNING, key, tbs));
  const certificate = new x509.Certificate({
    tbsCertificate,
    signatureAlgorithm: ecdsaWithSHA256,
    signatureValue: ecdsaP1363ToDer(raw).slice().buffer,
  });
  return new Uint8Array(AsnConvert.serialize(certificate));
}

/** 16 random bytes, top bit clear so the INTEGER stays positive (RFC 5280 allows 20 octets). */
function serialNumber(): ArrayBuffer {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.buffer;
}

function extension(extnID: string, critical: boolean, value: object): x509.Extension {
  return new x509.Extension({
    extnID,
    critical,
    extnValue: new OctetString(AsnConvert.serialize(value)),
  });
}

function commonName(cn: string): x509.Name {
  const value = new x509.AttributeValue({ utf8String: cn });
  return new x509.Name([
    new x509.RelativeDistinguishedName([
      new x509.AttributeTypeAndValue({ type: OID_COMMON_NAME, value }),
    ]),
  ]);
}

async function spkiOf(keys: CryptoKeyPair): Promise<x509.SubjectPublicKeyInfo> {
  const der = await crypto.subtle.exportKey("spki", keys.publicKey);
  return AsnConvert.parse(der, x509.SubjectPublicKeyInfo);
}

/** RFC 5280 section 4.2.1.2 method 1: the SHA-1 of the subjectPublicKey bits. */
async function keyIdOf(spki: x509.SubjectPublicKeyInfo): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-1", spki.subjectPublicKey);
}
