/**
 * The out-of-order memory of every uTP connection of the session, and each remote address's
 * share of it. One cap over all connections alone let one stranger fill it: an IP may hold 64
 * connections, each with a full receive window (1 MiB) of out-of-order packets, which was the
 * whole 64 MiB, and every other peer's out-of-order data was then dropped (resent over and
 * over, its SACKs lost). Now a remote address (an IPv4 address, an IPv6 /64, the grouping of
 * the connection caps) holds at most `maxPerAddress`, a connection at most its receive window,
 * and all together at most `max`.
 */
import { MIN_CHUNK_CHARGE } from './utp-socket.js';

/**
 * What one held out-of-order packet costs: its payload, and never less than a delivered chunk
 * (see MIN_CHUNK_CHARGE; a held packet is a Buffer of its own too). Counted by its length, a
 * 1-byte packet cost 1 byte and ~100 bytes of heap: 512 connections each holding 1,024 of them
 * took 48 MiB while the budget saw 0.5 MiB.
 */
export function reorderCharge(payloadBytes: number): number {
  return Math.max(payloadBytes, MIN_CHUNK_CHARGE);
}

/** One connection's account with the budget: everything it holds is charged to its address too. */
export interface ReorderAccount {
  /** Charges `bytes`; false (and nothing charged) when the address or the session has no room. */
  take(bytes: number): boolean;
  give(bytes: number): void;
}

export class ReorderBudget {
  /** Bytes held by all connections. */
  used = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(
    readonly max: number,
    readonly maxPerAddress: number,
  ) {}

  /** Bytes the connections with `address` (an address group) hold. */
  heldBy(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  /** The account of a connection with a peer in `address` (an IPv4 address or IPv6 /64). */
  account(address: string): ReorderAccount {
    return {
      take: (bytes) => {
        const held = this.heldBy(address);
        if (held + bytes > this.maxPerAddress || this.used + bytes > this.max) return false;
        this.perAddress.set(address, held + bytes);
        this.used += bytes;
        return true;
      },
      give: (bytes) => {
        if (bytes <= 0) return;
        const left = this.heldBy(address) - bytes;
        if (left > 0) this.perAddress.set(address, left);
        else this.perAddress.delete(address);
        this.used -= bytes;
      },
    };
  }
}
