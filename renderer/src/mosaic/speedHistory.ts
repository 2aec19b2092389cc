/**
 * Download and upload rates over the last minutes, for the session and per torrent: one
 * sample a second from the summaries the renderer already receives (nothing more crosses the
 * contract). Bounded: SPEED_SAMPLES per series, SPEED_TORRENTS torrents (least recently
 * active dropped first).
 */
import type { AppState } from '../state/reducer.js';

export const SPEED_SAMPLES = 300;
export const SPEED_TORRENTS = 64;

export class SpeedSeries {
  readonly down = new Float64Array(SPEED_SAMPLES);
  readonly up = new Float64Array(SPEED_SAMPLES);
  /** Samples written so far (the ring holds the last SPEED_SAMPLES). */
  written = 0;

  push(down: number, up: number): void {
    const at = this.written % SPEED_SAMPLES;
    this.down[at] = down;
    this.up[at] = up;
    this.written++;
  }

  /** The samples oldest first: [down, up] arrays of at most SPEED_SAMPLES. */
  ordered(): { down: number[]; up: number[] } {
    const n = Math.min(this.written, SPEED_SAMPLES);
    const start = this.written - n;
    const down: number[] = [];
    const up: number[] = [];
    for (let k = 0; k < n; k++) {
      const at = (start + k) % SPEED_SAMPLES;
      down.push(this.down[at]!);
      up.push(this.up[at]!);
    }
    return { down, up };
  }
}

export class SpeedHistory {
  readonly session = new SpeedSeries();
  private readonly torrents = new Map<string, SpeedSeries>();

  sample(state: Pick<AppState, 'session' | 'torrents'>): void {
    this.session.push(state.session.downloadRate, state.session.uploadRate);
    for (const t of Object.values(state.torrents)) {
      let series = this.torrents.get(t.infoHash);
      const active = t.downloadRate > 0 || t.uploadRate > 0;
      if (!series) {
        if (!active) continue;
        series = new SpeedSeries();
      } else {
        this.torrents.delete(t.infoHash); // re-inserted below: the Map's order is recency
      }
      series.push(t.downloadRate, t.uploadRate);
      this.torrents.set(t.infoHash, series);
    }
    for (const hash of this.torrents.keys()) {
      if (this.torrents.size <= SPEED_TORRENTS) break;
      this.torrents.delete(hash);
    }
  }

  torrent(infoHash: string): SpeedSeries | null {
    return this.torrents.get(infoHash) ?? null;
  }

  get torrentCount(): number {
    return this.torrents.size;
  }
}
