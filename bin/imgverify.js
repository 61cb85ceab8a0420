#!/usr/bin/env node
// Node 20 cannot run TypeScript itself: tsx's ESM loader compiles src/ on the
// fly (and caches the result), so `npx imgverify` works straight after install.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/runtime/cli.ts");
await main();
