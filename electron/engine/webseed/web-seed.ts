import http from 'node:http';
import https from 'node:https';
import { OwnedPieces } from '../picker/owned-pieces.js';
import type { PickerPeer } from '../picker/piece-picker.js';
import { RateMeter } from '../util/rate-meter.js';
import { Backoff } from './backoff.js';
import type { WebSeedKind, WebSeedSource } from './url-mapping.js';
import type { PieceSource } from '../../../shared/contract/piece-sources.js';

/** Pieces from a web seed that fail their hash before it is dropped for good. */
export const BAN_AFTER_HASH_FAILURES = 3;

/**
 * One web seed as the picker and the peer list see it: a "peer" that has every piece, with
 * its own keep-alive connections, rate, back-off and hash-failure count.
 */
export class WebSeed implements PickerPeer {
  readonly url: string;
  readonly kind: WebSeedKind;
  readonly meter = new RateMeter();
  readonly backoff = new Backoff();
  readonly owned = new OwnedPieces();
  readonly agents: { http: http.Agent; https: https.Agent };
  hashFailures = 0;
  banned = false;
  /** Requests (runs of blocks) being fetched now. */
  running = 0;
  /** Of those, the ones whose server is silent (their blocks let go): no new request starts meanwhile. */
  silent = 0;
  lastError: string | null = null;
  /** Blocks this seed was asked for and has not delivered (piece * 32768 + block). */
  private readonly outstanding = new Set<number>();
  private stopper = new AbortController();

  constructor(source: WebSeedSource, parallel: number) {
    this.url = source.url;
    this.kind = source.kind;
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: parallel }),
      https: new https.Agent({ keepAlive: true, maxSockets: parallel }),
    };
  }

  /** What the mosaic's colour-by-source names this sender (see torrent/piece-sources.ts). */
  pieceSource(): PieceSource {
    return { kind: 'webseed', label: this.url, client: this.kind === 'url' ? 'Web seed' : 'HTTP seed' };
  }

  has(_index: number): boolean {
    return true;
  }

  /**
   * None, for the picker (PickerPeer): then it skips this seed's endgame walk only while no
   * request is out at all. Blocks a silent server let go (see BlockClaim) stay in `outstanding`
   * while the picker no longer counts them; and a seed picks once per job of many blocks, so
   * the walk costs little here.
   */
  readonly outstandingRequests = 0;

  addRequestKeysTo(keys: Set<number>): void {
    for (const key of this.outstanding) keys.add(key);
  }

  requested(index: number, block: number): void {
    this.outstanding.add(index * 32768 + block);
  }

  settled(index: number, block: number): void {
    this.outstanding.delete(index * 32768 + block);
  }

  /** Aborts what is in flight (pause, stop, ban) and closes idle connections. */
  stop(): void {
    this.stopper.abort();
    this.stopper = new AbortController();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  get signal(): AbortSignal {
    return this.stopper.signal;
  }
}
