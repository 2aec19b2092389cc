/**
 * SHA-256 of one 64-byte message (two child hashes), in plain JavaScript. A merkle tree over
 * a 1 GiB file in 16 KiB pieces hashes 65,535 such pairs; through node:crypto each costs
 * 1–2 µs of call overhead for a fraction of that of hashing; here under 1 µs all told, with
 * no allocation. The message is always 64 bytes, so the second (padding) block is a constant
 * whose round inputs are computed once.
 *
 * SHA256_PAIR_SOURCE is plain JavaScript so that worker threads started from source strings
 * (metainfo/v2-hasher.ts) can include it; this thread builds the same function from it.
 */

export const SHA256_PAIR_SOURCE = `
const sha256Pair = (() => {
  const K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const H0 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const state = new Int32Array(8);
  const w = new Int32Array(64);
  // Round inputs K[t] + W[t] of the message block, and of the padding block: 0x80, zeros,
  // then the message length in bits (512).
  const kwMessage = new Int32Array(64);
  const kwPadding = new Int32Array(64);
  const expand = () => {
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15];
      const b = w[t - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
  };
  const compress = (kw) => {
    let a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
    for (let t = 0; t < 64; t++) {
      const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + kw[t]) | 0;
      const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    state[0] = (state[0] + a) | 0; state[1] = (state[1] + b) | 0; state[2] = (state[2] + c) | 0; state[3] = (state[3] + d) | 0;
    state[4] = (state[4] + e) | 0; state[5] = (state[5] + f) | 0; state[6] = (state[6] + g) | 0; state[7] = (state[7] + h) | 0;
  };
  w.fill(0);
  w[0] = 0x80000000 | 0;
  w[15] = 512;
  expand();
  for (let t = 0; t < 64; t++) kwPadding[t] = (K[t] + w[t]) | 0;
  // Hashes src[at, at + 64) into dst[to, to + 32); the input is read whole first, so the
  // output may overwrite it (a tree level hashed in place).
  return (src, at, dst, to) => {
    for (let t = 0; t < 16; t++) {
      const i = at + 4 * t;
      w[t] = (src[i] << 24) | (src[i + 1] << 16) | (src[i + 2] << 8) | src[i + 3];
    }
    expand();
    for (let t = 0; t < 64; t++) kwMessage[t] = (K[t] + w[t]) | 0;
    state.set(H0);
    compress(kwMessage);
    compress(kwPadding);
    for (let k = 0; k < 8; k++) {
      const v = state[k];
      const o = to + 4 * k;
      dst[o] = v >>> 24; dst[o + 1] = v >>> 16; dst[o + 2] = v >>> 8; dst[o + 3] = v;
    }
  };
})();
`;

/** Writes the SHA-256 of `src[at, at + 64)` to `dst[to, to + 32)` (the ranges may overlap). */
export const sha256PairInto = new Function(`${SHA256_PAIR_SOURCE}\nreturn sha256Pair;`)() as (src: Uint8Array, at: number, dst: Uint8Array, to: number) => void;
