/**
 * One client watching one torrent's pieces: a full snapshot first (and again whenever the
 * piece count changes, e.g. when a magnet's metadata arrives), then deltas of what changed,
 * at most one every `intervalMs` however fast blocks arrive. A piece that failed its hash is
 * sent once as Failed (the UI flashes it) and what it became follows in the next delta.
 * Availability rides along at most every `availabilityIntervalMs`, when it changed.
 */
import { PieceState, bytesToBase64, encodePieceChanges, FRACTION_STEPS, type PieceChange, type PieceStateCode, type ServerEvent } from '../../../shared/contract/index.js';
import { errorLine } from '../../../shared/error-text.js';
import type { EngineTorrent } from '../api.js';

/** Fractions travel quantized to 1/255 (the packed changes' byte): smaller changes are not worth a delta. */
const FRACTION_SCALE = FRACTION_STEPS;

export interface PieceWatchOptions {
  intervalMs: number;
  availabilityIntervalMs: number;
  send(event: ServerEvent): void;
  log(message: string): void;
  now?: () => number;
}

export class PieceWatch {
  private readonly now: () => number;
  private seq = 0;
  /** Last state and quantized fraction sent for each piece. */
  private known: Uint8Array = new Uint8Array(0);
  private knownFraction = new Uint16Array(0);
  /** Pieces that failed their hash since the last flush. */
  private failed = new Set<number>();
  private dirty = false;
  private lastFlush = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastAvailability: Uint8Array = new Uint8Array(0);
  private lastAvailabilityCheck = 0;
  private stopped = false;

  constructor(
    private readonly torrent: EngineTorrent,
    private readonly options: PieceWatchOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.snapshot();
  }

  get infoHash(): string {
    return this.torrent.infoHash;
  }

  /** Sends a full snapshot (seq 0) and starts counting deltas from it. */
  snapshot(): void {
    if (this.stopped) return;
    this.clearTimer();
    const states = this.torrent.pieceStatus();
    const n = states.length;
    const fractions = this.fractions(n);
    this.known = new Uint8Array(n);
    this.knownFraction = new Uint16Array(n);
    const inFlight: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) {
      const s = normalizeState(states[i]);
      this.known[i] = s;
      if (s === PieceState.InFlight) {
        const f = fractions.get(i) ?? 0;
        this.knownFraction[i] = Math.round(f * FRACTION_SCALE);
        inFlight.push([i, f]);
      } else if (s === PieceState.Verified) {
        this.knownFraction[i] = FRACTION_SCALE;
      }
    }
    this.seq = 0;
    this.failed = new Set();
    this.dirty = false;
    this.lastAvailability = availabilityBytes(this.torrent, n);
    this.lastFlush = this.lastAvailabilityCheck = this.now();
    this.options.send({
      type: 'piecesSnapshot',
      infoHash: this.infoHash,
      seq: 0,
      pieceCount: n,
      states: bytesToBase64(this.known),
      inFlight,
      availability: bytesToBase64(this.lastAvailability),
    });
  }

  /** A piece failed its hash check: the next delta shows it as Failed once. */
  pieceFailed(index: number): void {
    this.failed.add(index);
    this.touch();
  }

  /** Something changed: flush no sooner than intervalMs after the last flush. */
  touch(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + this.options.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Availability changes without piece events (peers come and go): the summary tick calls this. */
  checkAvailability(): void {
    if (this.now() - this.lastAvailabilityCheck >= this.options.availabilityIntervalMs) this.touch();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private fractions(n: number): Map<number, number> {
    const out = new Map<number, number>();
    for (const [index, received, total] of this.torrent.inFlight()) {
      if (index < n && total > 0) out.set(index, Math.min(1, Math.max(0, received / total)));
    }
    return out;
  }

  private flush(): void {
    if (this.stopped) return;
    this.dirty = false;
    this.lastFlush = this.now();
    let states: Uint8Array;
    try {
      states = this.torrent.pieceStatus();
    } catch (err) {
      this.options.log(`pieceStatus failed: ${errorLine(err)}`);
      return;
    }
    const n = this.known.length;
    if (states.length !== n) return this.snapshot();
    const fractions = this.fractions(n);
    const changes: PieceChange[] = [];
    const failedNow = this.failed;
    this.failed = new Set();
    for (const index of failedNow) {
      if (index >= n) continue;
      changes.push([index, PieceState.Failed, 0]);
      this.known[index] = PieceState.Failed;
      this.knownFraction[index] = 0;
    }
    for (let i = 0; i < n; i++) {
      if (failedNow.has(i)) continue;
      const s = normalizeState(states[i]);
      const f = s === PieceState.InFlight ? (fractions.get(i) ?? 0) : s === PieceState.Verified ? 1 : 0;
      const q = Math.round(f * FRACTION_SCALE);
      if (this.known[i] !== s || this.knownFraction[i] !== q) {
        this.known[i] = s;
        this.knownFraction[i] = q;
        changes.push([i, s, f]);
      }
    }
    const availability = this.availabilityChange(n);
    if (changes.length > 0 || availability !== undefined) {
      this.seq += 1;
      this.options.send(
        availability === undefined
          ? { type: 'piecesDelta', infoHash: this.infoHash, seq: this.seq, changes: encodePieceChanges(changes) }
          : { type: 'piecesDelta', infoHash: this.infoHash, seq: this.seq, changes: encodePieceChanges(changes), availability },
      );
    }
    // A failed piece's real state goes out in the next delta.
    if (failedNow.size > 0 || this.dirty) this.touch();
  }

  /** The availability bytes (base64) when due and changed, else undefined. */
  private availabilityChange(n: number): string | undefined {
    if (this.lastFlush - this.lastAvailabilityCheck < this.options.availabilityIntervalMs) return undefined;
    this.lastAvailabilityCheck = this.lastFlush;
    const next = availabilityBytes(this.torrent, n);
    if (sameBytes(next, this.lastAvailability)) return undefined;
    this.lastAvailability = next;
    return bytesToBase64(next);
  }
}

function normalizeState(value: number | undefined): PieceStateCode {
  return value === 1 || value === 2 || value === 3 || value === 4 ? value : 0;
}

/** One byte per piece: how many connected peers have it, clamped to 255. */
function availabilityBytes(t: EngineTorrent, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const avail = t.availability();
  const m = Math.min(n, avail.length);
  for (let i = 0; i < m; i++) {
    const v = avail[i] ?? 0;
    out[i] = v > 255 ? 255 : v < 0 ? 0 : v;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
