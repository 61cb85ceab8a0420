// SHA-256 (FIPS 180-4) for imgverify, compiled by AssemblyScript (see ../build.mjs).
//
// One hashing state lives in linear memory at STATE; the JS wrapper
// (src/digest/wasm.ts) swaps a stream's saved state in and out, so any number
// of streams can be interleaved over one instance. The JS side copies input
// into INPUT (at most INPUT_SIZE bytes per call) and calls `update` once per
// copy, so the block loop runs inside WebAssembly.
//
// Speed notes: the message schedule runs four words at a time in SIMD and is
// spread between the rounds (each eight-round pass computes the eight words
// needed two passes later, so it overlaps rounds in flight), W+K is stored in WK,
// the eight working variables stay in locals with their names rotated through
// an unrolled eight-round body, and Maj reuses the previous round's a^b.

// State layout, STATE_SIZE bytes, saved and restored as one block by the JS side.
const H_OFFSET = 0; // eight u32 chaining values
const LENGTH_OFFSET = 32; // u64: bytes absorbed so far
const BUFFERED_OFFSET = 40; // u32: bytes waiting in TAIL
const TAIL_OFFSET = 48; // 64 bytes: the incomplete block
export const STATE_SIZE: u32 = 112;
export const STATE: usize = memory.data(STATE_SIZE, 16);
export const DIGEST: usize = memory.data(32, 16);
export const INPUT_SIZE: u32 = 65536;
export const INPUT: usize = memory.data(INPUT_SIZE, 64);

const K: usize = memory.data<u32>(
  [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ],
  64,
);
const W: usize = memory.data(256, 64); // message schedule of the current block
const WK: usize = memory.data(256, 64); // W[t] + K[t]

/** Starts a new message. */
export function init(): void {
  const h = STATE + H_OFFSET;
  store<u32>(h, 0x6a09e667, 0);
  store<u32>(h, 0xbb67ae85, 4);
  store<u32>(h, 0x3c6ef372, 8);
  store<u32>(h, 0xa54ff53a, 12);
  store<u32>(h, 0x510e527f, 16);
  store<u32>(h, 0x9b05688c, 20);
  store<u32>(h, 0x1f83d9ab, 24);
  store<u32>(h, 0x5be0cd19, 28);
  store<u64>(STATE + LENGTH_OFFSET, 0);
  store<u32>(STATE + BUFFERED_OFFSET, 0);
}

/** Absorbs the first `length` bytes of INPUT. */
export function update(length: u32): void {
  if (length > INPUT_SIZE) unreachable();
  let p = INPUT;
  let n = length as usize;
  const tail = STATE + TAIL_OFFSET;
  store<u64>(STATE + LENGTH_OFFSET, load<u64>(STATE + LENGTH_OFFSET) + n);
  let buffered = load<u32>(STATE + BUFFERED_OFFSET) as usize;
  if (buffered > 0) {
    const take = min<usize>(64 - buffered, n);
    memory.copy(tail + buffered, p, take);
    buffered += take;
    p += take;
    n -= take;
    if (buffered < 64) {
      store<u32>(STATE + BUFFERED_OFFSET, buffered as u32);
      return;
    }
    compress(tail, 1);
  }
  const blocks = n >> 6;
  if (blocks > 0) compress(p, blocks as u32);
  n &= 63;
  memory.copy(tail, p + (blocks << 6), n);
  store<u32>(STATE + BUFFERED_OFFSET, n as u32);
}

/** Pads the message and writes the 32-byte digest to DIGEST. */
export function final(): void {
  const tail = STATE + TAIL_OFFSET;
  let buffered = load<u32>(STATE + BUFFERED_OFFSET) as usize;
  store<u8>(tail + buffered, 0x80);
  buffered += 1;
  if (buffered > 56) {
    memory.fill(tail + buffered, 0, 64 - buffered);
    compress(tail, 1);
    buffered = 0;
  }
  memory.fill(tail + buffered, 0, 56 - buffered);
  store<u64>(tail, bswap<u64>(load<u64>(STATE + LENGTH_OFFSET) << 3), 56);
  compress(tail, 1);
  const h = STATE + H_OFFSET;
  v128.store(DIGEST, byteSwapWords(v128.load(h)));
  v128.store(DIGEST, byteSwapWords(v128.load(h, 16)), 16);
}

function byteSwapWords(v: v128): v128 {
  return i8x16.shuffle(v, v, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
}

// Σ0, Σ1 as nested rotations: one fewer register copy per rotate than three
// independent rotations, measurably faster on V8 and JavaScriptCore.
function bigSigma0(x: u32): u32 {
  return rotr<u32>(rotr<u32>(rotr<u32>(x, 9) ^ x, 11) ^ x, 2);
}

function bigSigma1(x: u32): u32 {
  return rotr<u32>(rotr<u32>(rotr<u32>(x, 14) ^ x, 5) ^ x, 6);
}

function choose(e: u32, f: u32, g: u32): u32 {
  return g ^ (e & (f ^ g));
}

// σ0 and σ1 on four words; WebAssembly has no vector rotate, so each rotation is two shifts.
function smallSigma0(x: v128): v128 {
  const rotations = v128.xor(
    v128.xor(i32x4.shr_u(x, 7), i32x4.shl(x, 25)),
    v128.xor(i32x4.shr_u(x, 18), i32x4.shl(x, 14)),
  );
  return v128.xor(rotations, i32x4.shr_u(x, 3));
}

function smallSigma1(x: v128): v128 {
  const rotations = v128.xor(
    v128.xor(i32x4.shr_u(x, 17), i32x4.shl(x, 15)),
    v128.xor(i32x4.shr_u(x, 19), i32x4.shl(x, 13)),
  );
  return v128.xor(rotations, i32x4.shr_u(x, 10));
}

/** Loads the block's sixteen big-endian words into W and WK. */
function loadBlock(p: usize): void {
  for (let i: usize = 0; i < 64; i += 16) {
    const w = byteSwapWords(v128.load(p + i));
    v128.store(W + i, w);
    v128.store(WK + i, i32x4.add(w, v128.load(K + i)));
  }
}

// Binaryen would call this rather than inline it (it is used twice and too big
// for its limits), which costs ~10%; `@inline` forces it, and decorators are
// valid TypeScript only on class members.
class Schedule {
  /**
   * Computes W[t..t+3] (t = offset / 4). σ1 needs W[t-2] and W[t-1] for the low
   * two lanes, then the two new words for the high two lanes.
   */
  @inline static group(offset: usize): void {
    const w = W + offset;
    const partial = i32x4.add(
      i32x4.add(v128.load(w - 64), smallSigma0(v128.load(w - 60))),
      v128.load(w - 28),
    );
    const low = i32x4.add(partial, smallSigma1(v128.load(w - 8)));
    const high = i32x4.add(partial, smallSigma1(i32x4.shuffle(low, low, 0, 0, 0, 1)));
    const words = i32x4.shuffle(low, high, 0, 1, 6, 7);
    v128.store(w, words);
    v128.store(WK + offset, i32x4.add(words, v128.load(K + offset)));
  }
}

/** Runs the compression function over `blocks` consecutive 64-byte blocks at `p`. */
function compress(p: usize, blocks: u32): void {
  const h = STATE + H_OFFSET;
  for (; blocks > 0; blocks--, p += 64) {
    loadBlock(p);
    let a = load<u32>(h, 0);
    let b = load<u32>(h, 4);
    let c = load<u32>(h, 8);
    let d = load<u32>(h, 12);
    let e = load<u32>(h, 16);
    let f = load<u32>(h, 20);
    let g = load<u32>(h, 24);
    let hh = load<u32>(h, 28);
    let t: u32;
    let ab: u32;
    let bc = b ^ c;
    // Eight rounds per pass, names rotated by one each round.
    // Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)): this round's b ^ c is the last round's a ^ b,
    // so ab and bc take turns holding it.
    for (let i: usize = 0; i < 256; i += 32) {
      const wk = WK + i;
      t = hh + bigSigma1(e) + choose(e, f, g) + load<u32>(wk, 0);
      ab = a ^ b;
      d += t;
      hh = t + bigSigma0(a) + (b ^ (ab & bc));
      t = g + bigSigma1(d) + choose(d, e, f) + load<u32>(wk, 4);
      bc = hh ^ a;
      c += t;
      g = t + bigSigma0(hh) + (a ^ (bc & ab));
      t = f + bigSigma1(c) + choose(c, d, e) + load<u32>(wk, 8);
      ab = g ^ hh;
      b += t;
      f = t + bigSigma0(g) + (hh ^ (ab & bc));
      t = e + bigSigma1(b) + choose(b, c, d) + load<u32>(wk, 12);
      bc = f ^ g;
      a += t;
      e = t + bigSigma0(f) + (g ^ (bc & ab));
      if (i < 192) Schedule.group(i + 64);
      t = d + bigSigma1(a) + choose(a, b, c) + load<u32>(wk, 16);
      ab = e ^ f;
      hh += t;
      d = t + bigSigma0(e) + (f ^ (ab & bc));
      t = c + bigSigma1(hh) + choose(hh, a, b) + load<u32>(wk, 20);
      bc = d ^ e;
      g += t;
      c = t + bigSigma0(d) + (e ^ (bc & ab));
      t = b + bigSigma1(g) + choose(g, hh, a) + load<u32>(wk, 24);
      ab = c ^ d;
      f += t;
      b = t + bigSigma0(c) + (d ^ (ab & bc));
      t = a + bigSigma1(f) + choose(f, g, hh) + load<u32>(wk, 28);
      bc = b ^ c;
      e += t;
      a = t + bigSigma0(b) + (c ^ (bc & ab));
      if (i < 192) Schedule.group(i + 80);
    }
    store<u32>(h, load<u32>(h, 0) + a, 0);
    store<u32>(h, load<u32>(h, 4) + b, 4);
    store<u32>(h, load<u32>(h, 8) + c, 8);
    store<u32>(h, load<u32>(h, 12) + d, 12);
    store<u32>(h, load<u32>(h, 16) + e, 16);
    store<u32>(h, load<u32>(h, 20) + f, 20);
    store<u32>(h, load<u32>(h, 24) + g, 24);
    store<u32>(h, load<u32>(h, 28) + hh, 28);
  }
}
