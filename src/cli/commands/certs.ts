/**
 * `imgverify certs --out DIR`: the TLS material the webhook Service needs
 * (a CA, a serving certificate for the Service's names and its key) and the
 * webhook configurations that trust that CA, so a cluster can be pointed at
 * imgverify with `kubectl apply`.
 */

import { type Command, defineCommand } from "../command.ts";
import { EXIT_OK, usageError } from "../errors.ts";
import type { FlagSpecs } from "../flags/args.ts";
import type { OutputFile } from "../io.ts";
import { writeJson } from "../output.ts";
import { webhookConfigYaml } from "../webhook/config.ts";
import { loadWebhookPolicies, webhookPolicyFlag } from "../webhook/policies.ts";
import { generateWebhookTls } from "../webhook/tls.ts";

const DEFAULT_NAME = "imgverify";
const DEFAULT_DAYS = 365;
/** Ten years: past that a forgotten certificate is a risk, not a convenience. */
const MAX_DAYS = 3650;
const DEFAULT_SERVICE_PORT = 443;
/** Extra names a serving certificate carries at most. */
const MAX_EXTRA_NAMES = 100;
const KEY_MODE = 0o600;
const PUBLIC_MODE = 0o644;

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

const flags = {
  out: {
    type: "string",
    value: "DIR",
    description: "Directory to write ca.crt, tls.crt and tls.key to (created if missing).",
  },
  service: {
    type: "string",
    value: "NAME",
    description: `The webhook's Service name (default ${DEFAULT_NAME}).`,
  },
  namespace: {
    type: "string",
    value: "NS",
    description: `The Service's namespace (default ${DEFAULT_NAME}).`,
  },
  days: {
    type: "string",
    value: "N",
    description: `Days the certificates are valid, 1-${MAX_DAYS} (default ${DEFAULT_DAYS}).`,
  },
  dns: {
    type: "string",
    multiple: true,
    value: "NAME",
    description: "An extra DNS name for the serving certificate. Repeatable.",
  },
  ip: {
    type: "string",
    multiple: true,
    value: "ADDRESS",
    description:
      "An IP address for the serving certificate (e.g. 127.0.0.1 to try it locally). Repeatable.",
  },
  port: {
    type: "string",
    value: "PORT",
    description: `The port the Service exposes, in the webhook configurations (default ${DEFAULT_SERVICE_PORT}).`,
  },
  "webhook-config": {
    type: "string",
    value: "FILE",
    description: "Write the webhook configurations to FILE instead of standard output.",
  },
  policy: webhookPolicyFlag,
  force: { type: "boolean", description: "Replace files that already exist." },
} as const satisfies FlagSpecs;

function label(value: string | undefined, flag: string): string {
  if (value === undefined) return DEFAULT_NAME;
  if (LABEL.test(value)) return value;
  throw usageError(
    `--${flag} "${value}" is not a DNS label (lower-case letters, digits and "-", at most 63)`,
    "certs",
  );
}

function boundedInteger(value: string | undefined, flag: string, fallback: number, max: number) {
  if (value === undefined) return fallback;
  const n = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= max)) throw usageError(`--${flag} "${value}": expected 1-${max}`, "certs");
  return n;
}

function dnsName(value: string): string {
  const labels = (value.startsWith("*.") ? value.slice(2) : value).split(".");
  if (value.length <= 253 && labels.every((l) => DNS_LABEL.test(l))) return value.toLowerCase();
  throw usageError(`--dns "${value}" is not a DNS name`, "certs");
}

function ipAddress(value: string): string {
  if (IPV4.test(value) || (value.includes(":") && URL.canParse(`http://[${value}]/`))) return value;
  throw usageError(`--ip "${value}" is not an IPv4 or IPv6 address`, "certs");
}

/** `name` inside `dir`, written the way the user wrote `dir`. */
function inside(dir: string, name: string): string {
  return dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`;
}

export const certsCommand: Command = defineCommand({
  name: "certs",
  summary: "Make the webhook's TLS certificates and its Kubernetes webhook configurations.",
  usage:
    "--out DIR [--service NAME] [--namespace NS] [--days N] [--dns NAME...] [--ip ADDRESS...] [--policy FILE|DIR...]",
  details: `
Writes to DIR a new CA certificate (ca.crt), a serving certificate signed by
it (tls.crt) and that certificate's private key (tls.key, mode 0600): ECDSA
P-256 keys, valid for --days. The serving certificate names the Service the
way the API server dials it (NAME, NAME.NS, NAME.NS.svc and
NAME.NS.svc.cluster.local), plus every --dns and --ip, and is for TLS server
authentication only. The CA's private key is never written: it signs once
and is gone, so to rotate, run certs again and apply the new files. Existing
files are left alone unless --force is given; nothing is written when one
is in the way.

Prints a ValidatingWebhookConfiguration (POST /validate) and a
MutatingWebhookConfiguration (POST /mutate) whose caBundle is the new CA and
whose clientConfig points at the Service on --port, ready for
'kubectl apply -f -'; with --webhook-config FILE they go to FILE instead.
Their rules send Pods, pods/ephemeralcontainers and the pod controllers on
CREATE and UPDATE, with a 10 s timeout. Given the policies serve will load
(--policy FILE|DIR, read as serve reads them), the rules also send what each
ImageValidatingPolicy's matchConstraints.resourceRules match, and the timeout
is the longest any policy sets (at most 30 s).
The files written and the next steps go to standard error. With --json,
prints {"files", "dnsNames", "ipAddresses", "notAfter", "webhookConfig"}
(the YAML itself, or FILE).

Then: kubectl -n NS create secret tls NAME-tls --cert DIR/tls.crt --key
DIR/tls.key, mount it in the webhook's pod and run 'imgverify serve
--tls-cert tls.crt --tls-key tls.key --host 0.0.0.0'. Exit 0 when written,
2 on usage errors, refused policies, files in the way or files that cannot
be written.`,
  flags,
  async run({ io, flags: f, positionals, global }) {
    if (positionals.length > 0)
      throw usageError(`unexpected argument "${positionals[0]}"`, "certs");
    const out = f.out;
    if (out === undefined || out === "") throw usageError("certs needs --out DIR", "certs");
    const service = label(f.service, "service");
    const namespace = label(f.namespace, "namespace");
    const days = boundedInteger(f.days, "days", DEFAULT_DAYS, MAX_DAYS);
    const port = boundedInteger(f.port, "port", DEFAULT_SERVICE_PORT, 65535);
    if (f.dns.length + f.ip.length > MAX_EXTRA_NAMES) {
      throw usageError(`at most ${MAX_EXTRA_NAMES} --dns and --ip names`, "certs");
    }
    const policies = await loadWebhookPolicies(io, f.policy, "certs");
    const tls = await generateWebhookTls({
      service,
      namespace,
      days,
      dnsNames: f.dns.map(dnsName),
      ipAddresses: f.ip.map(ipAddress),
      now: new Date(),
    });
    const yaml = webhookConfigYaml({ service, namespace, port, caCert: tls.caCert, policies });
    const files: OutputFile[] = [
      { path: inside(out, "ca.crt"), text: tls.caCert, mode: PUBLIC_MODE },
      { path: inside(out, "tls.crt"), text: tls.tlsCert, mode: PUBLIC_MODE },
      { path: inside(out, "tls.key"), text: tls.tlsKey, mode: KEY_MODE },
    ];
    const configFile = f["webhook-config"];
    if (configFile !== undefined) files.push({ path: configFile, text: yaml, mode: PUBLIC_MODE });
    await io.writeFiles(files, { overwrite: f.force });

    const notAfter = tls.notAfter.toISOString();
    if (global.json) {
      writeJson(io, {
        files: files.map((file) => file.path),
        dnsNames: tls.dnsNames,
        ipAddresses: f.ip,
        notAfter,
        webhookConfig: configFile ?? yaml,
      });
      return EXIT_OK;
    }
    if (configFile === undefined) io.stdout(yaml);
    const [ca, cert, key] = files.map((file) => file.path);
    io.stderr(
      [
        `wrote ${files.map((file) => file.path).join(", ")}`,
        `serving certificate for ${[...tls.dnsNames, ...f.ip].join(", ")}, valid until ${notAfter}, signed by ${ca}`,
        "next:",
        `  kubectl -n ${namespace} create secret tls ${service}-tls --cert ${cert} --key ${key}`,
        `  kubectl apply -f ${configFile ?? "<the YAML printed above>"}`,
        `  serve with: imgverify serve --tls-cert tls.crt --tls-key tls.key --host 0.0.0.0`,
        "",
      ].join("\n"),
    );
    return EXIT_OK;
  },
});
