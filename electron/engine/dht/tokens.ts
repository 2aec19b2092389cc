/**
 * announce_peer write tokens (BEP 5): token = SHA-1(secret || requester IP), truncated. The
 * secret rotates every 5 minutes and the previous one is still accepted, so a token handed
 * out by get_peers is good for 5 to 10 minutes, and only from the IP it was given to.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_ROTATION_MS = 5 * 60_000;
const TOKEN_LENGTH = 8;

export class TokenManager {
  private current: Buffer = randomBytes(16);
  private previous: Buffer = randomBytes(16);
  private rotatedAt: number;
  private readonly now: () => number;

  constructor(options: { now?: () => number; rotationMs?: number } = {}) {
    this.now = options.now ?? Date.now;
    this.rotationMs = options.rotationMs ?? TOKEN_ROTATION_MS;
    this.rotatedAt = this.now();
  }

  private readonly rotationMs: number;

  private rotate(): void {
    const now = this.now();
    const elapsed = now - this.rotatedAt;
    if (elapsed < this.rotationMs) return;
    // Two or more periods of silence invalidate both secrets.
    this.previous = elapsed >= 2 * this.rotationMs ? randomBytes(16) : this.current;
    this.current = randomBytes(16);
    this.rotatedAt = now;
  }

  /** The token to hand to `host` in a get_peers response. */
  issue(host: string): Uint8Array {
    this.rotate();
    return new Uint8Array(this.make(this.current, host));
  }

  /** Whether `token` was issued to `host` by this or the previous secret. */
  validate(host: string, token: Uint8Array): boolean {
    this.rotate();
    if (token.length !== TOKEN_LENGTH) return false;
    const given = Buffer.from(token);
    return timingSafeEqual(given, this.make(this.current, host)) || timingSafeEqual(given, this.make(this.previous, host));
  }

  private make(secret: Buffer, host: string): Buffer {
    return createHash('sha1').update(secret).update(host, 'latin1').digest().subarray(0, TOKEN_LENGTH);
  }
}
