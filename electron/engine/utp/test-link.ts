/**
 * Test support: two uTP managers joined by an in-memory link with a fake clock, seeded loss,
 * reordering and a one-way delay, stepped by the test. Deterministic: no wall-clock time.
 */
import type { UtpClock } from './connection.js';
import { UtpManager, type UtpManagerOptions } from './manager.js';
import type { UtpSocket } from './utp-socket.js';

export interface LinkOptions {
  /** Probability that a datagram is lost (0..1). */
  loss?: number;
  /** Probability that a datagram is held back behind the next ones. */
  reorder?: number;
  /** One-way delay in ms (the fake clock advances by `stepMs` per step). */
  delayMs?: number;
  stepMs?: number;
  seed?: number;
  /** Drop datagram n (counting from 0, both directions) — for exact loss patterns. */
  dropIndex?: (n: number, to: 'a' | 'b', datagram: Buffer) => boolean;
  managerOptions?: UtpManagerOptions;
  /** A FIFO bottleneck on the A → B direction (a home router's uplink); see `Bottleneck`. */
  bottleneck?: Bottleneck;
}

/**
 * A → B datagrams leave at `bytesPerMs`, one after another; one that finds more than `queueMs`
 * queued ahead of it is dropped (tail drop). `standingMs` is the queue a competing flow keeps
 * in front of ours (its delay, not its bytes): the one-way delay rises without loss.
 * Arrivals keep their order (a FIFO never reorders), also while `standingMs` falls.
 */
export interface Bottleneck {
  bytesPerMs: number;
  queueMs: number;
  standingMs?: () => number;
}

interface InFlight {
  at: number;
  to: 'a' | 'b';
  datagram: Buffer;
}

export class FakeClock implements UtpClock {
  ms = 1_000;
  nowMs(): number {
    return this.ms;
  }
  micros(): number {
    return Math.floor(this.ms * 1000) >>> 0;
  }
}

/** A small deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TestLink {
  readonly clock = new FakeClock();
  readonly a: UtpManager;
  readonly b: UtpManager;
  readonly accepted: UtpSocket[] = [];
  private queue: InFlight[] = [];
  private readonly random: () => number;
  private sent = 0;
  delivered = 0;
  lost = 0;
  /** When the bottleneck has sent everything queued so far (ms). */
  private busyUntil = 0;
  private lastArrivalAtB = 0;
  /** Bytes that left through the bottleneck. */
  bottleneckBytes = 0;

  constructor(private readonly options: LinkOptions = {}) {
    this.random = prng(options.seed ?? 1);
    const base: UtpManagerOptions = { ...options.managerOptions, clock: this.clock, manual: true, random: prng((options.seed ?? 1) + 7) };
    this.a = new UtpManager((packet) => this.enqueue('b', packet), base);
    this.b = new UtpManager((packet) => this.enqueue('a', packet), { ...base, random: prng((options.seed ?? 1) + 11), onIncoming: (s) => this.accepted.push(s) });
  }

  private enqueue(to: 'a' | 'b', packet: Uint8Array): void {
    const datagram = Buffer.from(packet); // the wire copies
    const n = this.sent++;
    if (this.options.dropIndex?.(n, to, datagram) || this.random() < (this.options.loss ?? 0)) {
      this.lost++;
      return;
    }
    let at = this.clock.ms + (this.options.delayMs ?? 1);
    const neck = this.options.bottleneck;
    if (neck && to === 'b') {
      const start = Math.max(this.clock.ms, this.busyUntil);
      if (start - this.clock.ms > neck.queueMs) {
        this.lost++;
        return;
      }
      this.busyUntil = start + datagram.length / neck.bytesPerMs;
      this.bottleneckBytes += datagram.length;
      at = Math.max(this.lastArrivalAtB, this.busyUntil + (neck.standingMs?.() ?? 0) + (this.options.delayMs ?? 1));
      this.lastArrivalAtB = at;
    }
    if (this.random() < (this.options.reorder ?? 0)) at += 3 * (this.options.stepMs ?? 1);
    this.queue.push({ at, to, datagram });
  }

  /** Delivers what is due, ends the turn (flush: delayed ACKs, writes), advances time, ticks. */
  step(): void {
    const due = this.queue.filter((d) => d.at <= this.clock.ms);
    this.queue = this.queue.filter((d) => d.at > this.clock.ms);
    for (const d of due) {
      this.delivered++;
      (d.to === 'a' ? this.a : this.b).handle(d.datagram, d.to === 'a' ? '10.0.0.2' : '10.0.0.1', d.to === 'a' ? 6882 : 6881);
    }
    this.a.flush();
    this.b.flush();
    this.clock.ms += this.options.stepMs ?? 1;
    this.a.tick();
    this.b.tick();
  }

  /** How long a datagram entering the bottleneck now would wait (ms). */
  get bottleneckQueueMs(): number {
    return Math.max(0, this.busyUntil - this.clock.ms);
  }

  /** A dials B. */
  dial(): UtpSocket {
    return this.a.connect('10.0.0.2', 6882);
  }

  /** Steps (letting streams run between steps) until `done` or `maxSteps`. */
  async run(done: () => boolean, maxSteps = 200_000): Promise<number> {
    for (let i = 0; i < maxSteps; i++) {
      if (done()) return i;
      this.step();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    throw new Error(`not done after ${maxSteps} steps`);
  }
}
