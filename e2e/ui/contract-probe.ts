/**
 * A second client of the web host, speaking the contract over its WebSocket as the renderer
 * does: what the engine reports (settings, summaries, the session's limits, piece events),
 * independent of what the page shows.
 */
import WebSocket from 'ws';
import {
  base64ToBytes,
  decodePieceChanges,
  applySummaryChange,
  createWebSocketClient,
  PieceState,
  type SessionSummary,
  type TesseraClient,
  type TorrentSummary,
  type WebSocketConstructor,
} from '../../shared/contract/index.js';
import type { WebHost } from './web-host.js';

export interface VerifiedBatch {
  /** ms since epoch, when the event arrived. */
  at: number;
  /** Pieces that became verified in this event. */
  pieces: number[];
}

export class ContractProbe {
  readonly client: TesseraClient;
  readonly torrents = new Map<string, TorrentSummary>();
  session: SessionSummary | null = null;
  /** Per watched torrent, in arrival order. */
  readonly verified = new Map<string, VerifiedBatch[]>();

  constructor(host: WebHost) {
    this.client = createWebSocketClient({
      url: `ws://127.0.0.1:${host.port}/ws?token=${host.token}`,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      reconnect: false,
    });
    this.client.subscribe((e) => {
      const at = Date.now();
      switch (e.type) {
        case 'snapshot':
        case 'summaries':
          this.session = e.session;
          this.torrents.clear();
          for (const t of e.torrents) this.torrents.set(t.infoHash, t);
          break;
        case 'summaryChanges':
          if (e.session) this.session = e.session;
          for (const change of e.torrents) {
            const row = this.torrents.get(change.infoHash);
            if (row) this.torrents.set(change.infoHash, applySummaryChange(row, change));
          }
          break;
        case 'torrentAdded':
          this.torrents.set(e.torrent.infoHash, e.torrent);
          break;
        case 'torrentRemoved':
          this.torrents.delete(e.infoHash);
          break;
        case 'piecesSnapshot': {
          const states = base64ToBytes(e.states);
          const pieces: number[] = [];
          states.forEach((s, i) => {
            if (s === PieceState.Verified) pieces.push(i);
          });
          this.verified.set(e.infoHash, pieces.length > 0 ? [{ at, pieces }] : []);
          break;
        }
        case 'piecesDelta': {
          const pieces = decodePieceChanges(e.changes).filter(([, state]) => state === PieceState.Verified).map(([index]) => index);
          if (pieces.length > 0) this.verified.get(e.infoHash)?.push({ at, pieces });
          break;
        }
        default:
          break;
      }
    });
  }

  torrent(infoHash: string): TorrentSummary | undefined {
    return this.torrents.get(infoHash);
  }

  /** Starts piece events for a torrent; `verified` collects them. */
  async watch(infoHash: string): Promise<void> {
    this.verified.set(infoHash, []);
    await this.client.watchPieces({ infoHash });
  }

  /** How many pieces were verified in events before the one that verified `index` (null: not yet). */
  piecesBefore(infoHash: string, index: number): number | null {
    let before = 0;
    for (const batch of this.verified.get(infoHash) ?? []) {
      if (batch.pieces.includes(index)) return before;
      before += batch.pieces.length;
    }
    return null;
  }

  verifiedCount(infoHash: string): number {
    return (this.verified.get(infoHash) ?? []).reduce((n, b) => n + b.pieces.length, 0);
  }

  close(): void {
    this.client.close();
  }
}
