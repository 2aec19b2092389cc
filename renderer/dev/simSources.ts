/** The simulator's piece-source log: the same byte format as the engine's (shared/contract/piece-sources.ts). */
import { bytesToBase64, packSourceEntries, PIECE_SOURCE_ENTRY_BYTES, writeSourceEntry, type HashFailureView, type PieceSource, type PieceSourcesView } from '../../shared/contract/index.js';

const CLIENTS = ['libtorrent/2.0.11', 'qBittorrent 4.6.7', 'Transmission 4.0.6', 'Deluge 2.1.1'];

export class SimSources {
  private readonly generation = 1;
  private readonly base = Date.now();
  private bytes = new Uint8Array(1024 * PIECE_SOURCE_ENTRY_BYTES);
  private count = 0;
  private readonly failures: HashFailureView[] = [];
  readonly sources: PieceSource[];

  constructor(peers: number) {
    this.sources = Array.from({ length: Math.max(1, Math.min(peers, 12)) }, (_, i) => ({
      kind: i === 5 ? ('webseed' as const) : ('peer' as const),
      label: i === 5 ? 'https://mirror.example.org/files/' : `10.${i}.${(i * 53) % 255}.${(i * 97) % 255}:${6881 + i * 7}`,
      client: i === 5 ? '' : (CLIENTS[i % CLIENTS.length] ?? ''),
    }));
  }

  /** Piece verified; the source is skewed so a few peers send most (as in real swarms). */
  verified(piece: number, rand: () => number): void {
    const source = Math.min(this.sources.length - 1, Math.floor(rand() * rand() * this.sources.length));
    if ((this.count + 1) * PIECE_SOURCE_ENTRY_BYTES > this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
    }
    writeSourceEntry(this.bytes, this.count * PIECE_SOURCE_ENTRY_BYTES, piece, source, (Date.now() - this.base) / 100);
    this.count++;
  }

  failed(piece: number): void {
    this.failures.push({ piece, at: Date.now(), peers: [this.sources[piece % this.sources.length]!.label] });
    if (this.failures.length > 16) this.failures.shift();
  }

  query(from: number, sourcesFrom: number, generation?: number, limit = Infinity): PieceSourcesView {
    const fresh = generation !== this.generation;
    const start = fresh ? 0 : Math.min(from, this.count);
    const end = Math.min(this.count, start + limit);
    const sFrom = fresh ? 0 : Math.min(sourcesFrom, this.sources.length);
    return {
      generation: this.generation,
      base: this.base,
      count: this.count,
      from: start,
      entries: bytesToBase64(packSourceEntries(this.bytes.subarray(start * PIECE_SOURCE_ENTRY_BYTES, end * PIECE_SOURCE_ENTRY_BYTES))),
      sourcesFrom: sFrom,
      sources: this.sources.slice(sFrom),
      failures: [...this.failures],
    };
  }
}
