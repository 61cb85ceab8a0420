/**
 * `imgverify webhook-config --url URL`: the webhook configurations for an
 * imgverify the API server reaches by URL rather than through a Service, as
 * the Cloudflare Worker is. (`imgverify certs` prints them for a Service.)
 */

import { type Command, defineCommand } from "../command.ts";
import { EXIT_OK, usageError } from "../errors.ts";
import type { FlagSpecs } from "../flags/args.ts";
import { writeJson } from "../output.ts";
import { readText } from "../trusted-root.ts";
import { urlWebhookConfigYaml } from "../webhook/config.ts";
import { loadWebhookPolicies, webhookPolicyFlag } from "../webhook/policies.ts";

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const flags = {
  url: {
    type: "string",
    value: "URL",
    description: "Where /validate and /mutate are served, e.g. https://imgverify.example.com.",
  },
  name: {
    type: "string",
    value: "NAME",
    description: "The configurations' name (default imgverify).",
  },
  "ca-file": {
    type: "string",
    value: "FILE",
    description: "PEM CA to trust for the URL, when its certificate is not from a public CA.",
  },
  policy: webhookPolicyFlag,
} as const satisfies FlagSpecs;

/** The API server's rules for a webhook URL: https, no credentials, query or fragment. */
function webhookUrl(text: string | undefined): URL {
  if (text === undefined) throw usageError("webhook-config needs --url URL", "webhook-config");
  const url = URL.canParse(text) ? new URL(text) : undefined;
  const wrong =
    url === undefined
      ? "is not a URL"
      : url.protocol !== "https:"
        ? "must be https"
        : url.username !== "" || url.password !== ""
          ? "must not hold credentials"
          : url.search !== "" || url.hash !== ""
            ? "must have no query or fragment"
            : undefined;
  if (wrong !== undefined || url === undefined) {
    throw usageError(`--url "${text}" ${wrong ?? "is not a URL"}`, "webhook-config");
  }
  return url;
}

export const webhookConfigCommand: Command = defineCommand({
  name: "webhook-config",
  summary: "Print the webhook configurations for an imgverify reached by URL (the Worker).",
  usage: "--url URL [--name NAME] [--ca-file FILE] [--policy FILE|DIR...]",
  details: `
Prints a ValidatingWebhookConfiguration (URL/validate) and a
MutatingWebhookConfiguration (URL/mutate) with clientConfig.url, the same
rules, failure policy, timeout and kube-system exclusion as those 'imgverify
certs' prints for a Service, ready for 'kubectl apply -f -'; --policy widens
the rules and timeout as for certs (give the policies the Worker is built
with). The caBundle is left out unless --ca-file names a CA: a Worker's
certificate is from a public CA the API server already trusts. The API
server must also send the bearer token the webhook demands: give it in the
kubeconfig its admission configuration names for the URL's host. With
--json, prints {"webhookConfig"}. Exit 0 when printed, 2 on usage errors and
refused policies.`,
  flags,
  async run({ io, flags: f, positionals, global }) {
    if (positionals.length > 0) {
      throw usageError(`unexpected argument "${positionals[0]}"`, "webhook-config");
    }
    const url = webhookUrl(f.url);
    const name = f.name ?? "imgverify";
    if (!NAME.test(name)) {
      throw usageError(`--name "${name}" is not a DNS label`, "webhook-config");
    }
    const caFile = f["ca-file"];
    const caCert = caFile === undefined ? undefined : await readText(io, caFile);
    if (caCert !== undefined && !caCert.includes("-----BEGIN CERTIFICATE-----")) {
      throw usageError(`--ca-file "${caFile}" holds no PEM certificate`, "webhook-config");
    }
    const policies = await loadWebhookPolicies(io, f.policy, "webhook-config");
    const yaml = urlWebhookConfigYaml({
      name,
      url,
      ...(caCert !== undefined && { caCert }),
      policies,
    });
    if (global.json) writeJson(io, { webhookConfig: yaml });
    else io.stdout(yaml);
    return EXIT_OK;
  },
});
