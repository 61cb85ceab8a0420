/**
 * The command table, in the order `imgverify --help` lists it. A new command
 * (verify, verify-bundle, apply, test, check-policy, certs, webhook-config) is a module exporting a
 * `defineCommand(...)` and one entry here.
 */

import type { Command } from "../command.ts";
import { applyCommand } from "./apply.ts";
import { certsCommand } from "./certs.ts";
import { checkPolicyCommand } from "./check-policy.ts";
import { digestCommand } from "./digest.ts";
import { resolveCommand } from "./resolve.ts";
import { serveCommand } from "./serve.ts";
import { testCommand } from "./test.ts";
import { verifyCommand } from "./verify.ts";
import { verifyBundleCommand } from "./verify-bundle.ts";
import { webhookConfigCommand } from "./webhook-config.ts";

export const commands: readonly Command[] = [
  digestCommand,
  resolveCommand,
  serveCommand,
  verifyCommand,
  verifyBundleCommand,
  applyCommand,
  testCommand,
  checkPolicyCommand,
  certsCommand,
  webhookConfigCommand,
];
