/**
 * The command table, in the order `imgverify --help` lists it. A new command
 * (verify, verify-bundle, apply, check-policy, certs, webhook-config) is a module exporting a
 * `defineCommand(...)` and one entry here.
 */
import { applyCommand } from "./apply-command.ts";
import { certsCommand } from "./certs-command.ts";
import { checkPolicyCommand } from "./check-policy-command.ts";
import type { Command } from "./command.ts";
import { digestCommand } from "./digest-command.ts";
import { resolveCommand } from "./resolve-command.ts";
import { serveCommand } from "./serve-command.ts";
import { verifyBundleCommand } from "./verify-bundle-command.ts";
import { verifyCommand } from "./verify-command.ts";
import { webhookConfigCommand } from "./webhook-config-command.ts";

export const commands: readonly Command[] = [
  digestCommand,
  resolveCommand,
  serveCommand,
  verifyCommand,
  verifyBundleCommand,
  applyCommand,
  checkPolicyCommand,
  certsCommand,
  webhookConfigCommand,
];
