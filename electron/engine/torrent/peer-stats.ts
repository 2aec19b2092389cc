import type { PeerStats } from '../api.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import type { WebSeed } from '../webseed/index.js';
import { PeerOrigin } from './peer-candidates.js';

/** One connection as the peer list shows it; `origins`: the kinds of source that named its address (PeerOrigin bits; 0 for incoming). */
export function peerStats(p: PeerConnection, pieceCount: number, origins = 0): PeerStats {
  return {
    id: p.id,
    address: p.address,
    client: p.client,
    incoming: p.incoming,
    flags: peerFlags(p, origins),
    downloadRate: p.downloadMeter.rate(),
    uploadRate: p.uploadMeter.rate(),
    downloaded: p.downloadMeter.totalBytes,
    uploaded: p.uploadMeter.totalBytes,
    progress: p.isSeed ? 1 : p.bitfield ? p.bitfield.count / Math.max(1, pieceCount) : 0,
  };
}

/**
 * qBittorrent's flag letters (shared/contract PEER_FLAGS): D/d download (unchoked / choked), U/u
 * upload, I incoming, H/X/L named by the DHT / PEX / LSD, E/e encryption, S snubbed, P µTP.
 */
export function peerFlags(p: Pick<PeerConnection, 'amInterested' | 'peerChoking' | 'peerInterested' | 'amChoking' | 'incoming' | 'rc4' | 'encrypted' | 'snubbed' | 'overUtp'>, origins = 0): string {
  const flags: string[] = [];
  if (p.amInterested && !p.peerChoking) flags.push('D');
  else if (p.amInterested) flags.push('d');
  if (p.peerInterested && !p.amChoking) flags.push('U');
  else if (p.peerInterested) flags.push('u');
  if (p.incoming) flags.push('I');
  if (origins & PeerOrigin.Dht) flags.push('H');
  if (origins & PeerOrigin.Pex) flags.push('X');
  if (origins & PeerOrigin.Lsd) flags.push('L');
  // qBittorrent's letters: E = RC4-encrypted traffic, e = encrypted (MSE) handshake only.
  if (p.rc4) flags.push('E');
  else if (p.encrypted) flags.push('e');
  if (p.snubbed) flags.push('S');
  if (p.overUtp) flags.push('P');
  return flags.join(' ');
}

/** A web seed as the peer list shows it: its URL, "Web seed" (BEP 19) or "HTTP seed" (BEP 17), its rate. */
export function webSeedStats(seed: WebSeed): PeerStats {
  return {
    id: `webseed:${seed.kind}:${seed.url}`.slice(0, 256),
    address: seed.url.length > 256 ? `${seed.url.slice(0, 255)}…` : seed.url,
    client: seed.banned ? 'Web seed (dropped: bad data)' : seed.kind === 'url' ? 'Web seed' : 'HTTP seed',
    incoming: false,
    flags: seed.running > 0 ? 'D' : '',
    downloadRate: seed.meter.rate(),
    uploadRate: 0,
    downloaded: seed.meter.totalBytes,
    uploaded: 0,
    progress: 1,
  };
}
