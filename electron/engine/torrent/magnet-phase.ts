import type { PeerConnection } from '../peer/peer-connection.js';
import type { MetadataMessage } from '../wire/ut-metadata.js';
import { NoDataYet } from './data-handler.js';
import { MetadataFetcher } from './metadata-fetcher.js';
import type { InfoHashes } from './info-hashes.js';

/**
 * A magnet before its metadata: no pieces (see NoDataYet), and a MetadataFetcher that asks
 * every peer offering ut_metadata for the info dictionary. `arrived` gets the verified bytes;
 * the torrent then replaces this handler.
 */
export class MagnetPhase extends NoDataYet {
  private readonly fetcher: MetadataFetcher;

  constructor(infoHash: Buffer | InfoHashes, arrived: (info: Buffer) => void) {
    super();
    this.fetcher = new MetadataFetcher(infoHash, arrived);
  }

  /** The peer's extension handshake is in: it may offer the metadata. */
  peerExtensionHandshake(peer: PeerConnection): void {
    this.fetcher.peerReady(peer);
  }

  /** A ut_metadata data or reject message (requests are answered by the torrent). */
  metadataMessage(peer: PeerConnection, message: MetadataMessage): void {
    this.fetcher.onMessage(peer, message);
  }

  override peerGone(peer: PeerConnection): void {
    this.fetcher.peerGone(peer);
  }

  override tick(): void {
    this.fetcher.tick();
  }
}
