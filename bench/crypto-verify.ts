/**
 * ECDSA P-256 verifications per second: `verifySignature` on WebCrypto, on the
 * @noble/curves fallback, and a bare `crypto.subtle.verify` with the key
 * imported once (the floor imgverify's own work adds to). The signature is a
 * DER one over a cosign-sized payload, as a cosign check sees it.
 * Part of `npm run bench`; alone: `npx tsx bench/crypto-verify.ts` (Node) or
 * `npx bun bench/crypto-verify.ts`.
 */
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { parsePublicKeySpki } from "../src/crypto/public-key.ts";
import { createSignatureEngine } from "../src/crypto/signature/engine.ts";
import { verifySignature } from "../src/crypto/signature/verify-signature.ts";

const globals = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
const runtime = globals.Bun
  ? `Bun ${globals.Bun.version}`
  : globals.Deno
    ? `Deno ${globals.Deno.version.deno}`
    : `Node ${process.version}`;

const WEBCRYPTO = "verifySignature (WebCrypto)";
const NOBLE = "verifySignature (@noble/curves)";
const BARE = "bare subtle.verify";

/** r||s to the ECDSA-Sig-Value DER cosign carries. */
function toDer(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array): number[] => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const value = [...bytes.subarray(start)];
    if ((value[0] as number) >= 0x80) value.unshift(0);
    return [0x02, value.length, ...value];
  };
  const body = [...integer(raw.subarray(0, 32)), ...integer(raw.subarray(32))];
  return new Uint8Array([0x30, body.length, ...body]);
}

export interface SignatureVerifyResult {
  runtime: string;
  /** Median verifications per second, each through `verifySignature` or the bare API. */
  webcryptoPerSec: number;
  noblePerSec: number;
  bareSubtlePerSec: number;
  webcryptoOverNoble: number;
}

/** Times each contender for about `timeMs`, prints the figures and returns them. */
export async function runSignatureVerifyBench(timeMs = 1000): Promise<SignatureVerifyResult> {
  const subtle = crypto.subtle;
  const pair = (await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const payload = new TextEncoder().encode(
    JSON.stringify({
      critical: {
        identity: { "docker-reference": "registry.example/team/app" },
        image: { "docker-manifest-digest": `sha256:${"ab".repeat(32)}` },
        type: "cosign container image signature",
      },
      optional: null,
    }),
  );
  const ecdsa = { name: "ECDSA", hash: "SHA-256" } as EcdsaParams;
  const raw = new Uint8Array(await subtle.sign(ecdsa, pair.privateKey, payload));
  const der = toDer(raw);
  const key = parsePublicKeySpki(new Uint8Array(await subtle.exportKey("spki", pair.publicKey)));
  const engines = {
    webcrypto: createSignatureEngine(),
    noble: createSignatureEngine({ subtle: null }),
  };

  const contenders: Record<string, () => Promise<boolean>> = {
    [WEBCRYPTO]: () => verifySignature(key, payload, der, { engine: engines.webcrypto }),
    [NOBLE]: () => verifySignature(key, payload, der, { engine: engines.noble }),
    [BARE]: () => subtle.verify(ecdsa, pair.publicKey, raw, payload),
  };
  for (const [name, verify] of Object.entries(contenders)) {
    if (!(await verify())) throw new Error(`${name} refused a valid signature`);
  }

  const bench = new Bench({ time: timeMs, warmupTime: timeMs / 5, warmupIterations: 20 });
  for (const [name, verify] of Object.entries(contenders)) {
    bench.add(name, async () => {
      if (!(await verify())) throw new Error(`${name} refused a valid signature`);
    });
  }
  await bench.run();

  const perSecond: Record<string, number> = {};
  console.log(`\nECDSA P-256 verify, ${payload.length}-byte payload, ${runtime}`);
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== "completed")
      throw new Error(`${task.name} did not complete: ${result.state}`);
    perSecond[task.name] = Math.round(1000 / result.latency.p50);
    const us = (result.latency.p50 * 1000).toFixed(1);
    console.log(
      `  ${task.name.padEnd(34)} ${String(perSecond[task.name]).padStart(7)} /s   median ${us} us`,
    );
  }
  const webcryptoPerSec = perSecond[WEBCRYPTO] ?? 0;
  const noblePerSec = perSecond[NOBLE] ?? 0;
  const webcryptoOverNoble = Math.round((webcryptoPerSec / noblePerSec) * 10) / 10;
  console.log(`  WebCrypto / @noble: ${webcryptoOverNoble.toFixed(1)}x`);
  return {
    runtime,
    webcryptoPerSec,
    noblePerSec,
    bareSubtlePerSec: perSecond[BARE] ?? 0,
    webcryptoOverNoble,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runSignatureVerifyBench();
}
