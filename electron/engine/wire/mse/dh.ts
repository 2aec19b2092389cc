import { randomBytes } from 'node:crypto';

/** MSE's Diffie-Hellman group: the 768-bit prime of its spec, generator 2. */
const P = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563',
);
const G = 2n;
/** Public keys and the shared secret travel as 96-byte big-endian numbers. */
export const DH_KEY_BYTES = 96;
/** The spec recommends a 160-bit private exponent. */
const PRIVATE_BYTES = 20;

export interface DhKeyPair {
  readonly publicKey: Buffer;
  /** The shared secret S from the other side's public key; null when that key is degenerate. */
  secret(theirPublicKey: Uint8Array): Buffer | null;
}

/**
 * A fresh key pair. BigInt instead of crypto.createDiffieHellman: Node validates the prime
 * on every construction, which costs ~25 ms per connection; this is well under 1 ms.
 */
export function dhKeyPair(privateKey: Uint8Array = randomBytes(PRIVATE_BYTES)): DhKeyPair {
  const x = toBigInt(privateKey);
  return {
    publicKey: toBytes(modPow(G, x, P)),
    secret(theirs) {
      if (theirs.length !== DH_KEY_BYTES) return null;
      const y = toBigInt(theirs);
      if (y <= 1n || y >= P - 1n) return null;
      return toBytes(modPow(y, x, P));
    },
  };
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

function toBytes(n: bigint): Buffer {
  return Buffer.from(n.toString(16).padStart(DH_KEY_BYTES * 2, '0'), 'hex');
}
