/**
 * "Create torrent" jobs whose dialog closed before they ended. Closing asks the engine to cancel,
 * but once the hashing is complete the .torrent exists and the engine runs the job to its end
 * (electron/engine/service/torrent-creation.ts, as qBittorrent's creator writes the file it was
 * told to): with "Start seeding" the torrent is added. Nobody was listening for that `done`, so
 * the torrent was seeding and its .torrent never offered (only Export could get it back). Here
 * the end of such a job is still seen through: the .torrent is offered for saving, as the dialog
 * does, and a notice says what became of it. A job that was cancelled in time ends quietly.
 */
import { base64ToBytes, type TorrentCreationEvent } from '../../../shared/contract/index.js';
import { errorText } from '../../../shared/error-text.js';
import { torrentFileName } from '../util/saveFile.js';

/** Jobs followed at once: the engine runs one per connection, a few across all; more is a bug, dropped. */
export const MAX_CLOSED_CREATIONS = 8;

export interface ClosedCreationOutput {
  save(bytes: Uint8Array, fileName: string): void;
  notify(level: 'info' | 'error', message: string): void;
}

export class ClosedCreations {
  private readonly ids = new Set<string>();

  constructor(private readonly out: ClosedCreationOutput) {}

  /** Follows job `id`, whose dialog has gone, to its end. */
  follow(id: string): void {
    if (this.ids.size < MAX_CLOSED_CREATIONS) this.ids.add(id);
  }

  onEvent(e: TorrentCreationEvent): void {
    if (e.state === 'hashing' || !this.ids.delete(e.id)) return;
    switch (e.state) {
      case 'done': {
        const { torrent } = e;
        const fileName = torrentFileName(torrent.name);
        try {
          this.out.save(base64ToBytes(torrent.data), fileName);
        } catch (err) {
          this.out.notify('error', `Created ${torrent.name}, but could not offer ${fileName} for saving (${errorText(err)}): use Export .torrent`);
          return;
        }
        const added = torrent.seeding && !torrent.seeding.duplicate ? ' and added it for seeding' : '';
        this.out.notify('info', `Created ${torrent.name}${added} (the dialog was closed after the hashing): ${fileName} was offered for saving.`);
        if (torrent.seedError) this.out.notify('error', `${torrent.name} was not added for seeding: ${torrent.seedError}`);
        return;
      }
      case 'failed':
        this.out.notify('error', `Create torrent failed: ${e.message}`);
        return;
      case 'cancelled':
        return;
    }
  }

  /** The connection closed: the engine stopped this connection's jobs, no event of theirs will come. */
  clear(): void {
    this.ids.clear();
  }
}
