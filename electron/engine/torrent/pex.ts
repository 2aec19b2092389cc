import type { PeerAddress } from '../api.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import { tryParseHostPort } from '../util/host-port.js';
import * as msg from '../wire/encode.js';
import { decodePex, encodePex, PEX_FLAG_REACHABLE, PEX_FLAG_SEED, PEX_FLAG_UTP } from '../wire/ut-pex.js';
import { PeerCandidates, pexSource } from './peer-candidates.js';
import { LazyWeakMap } from '../util/lazy-collections.js';

/**
 * libtorrent sends its first PEX message as soon as it has something to say, then one every
 * 60 s, and drops peers that send more than 6 a minute. We do the same, per peer.
 */
export const PEX_INTERVAL_MS = 60_000;
const MAX_RECEIVED_PER_MINUTE = 6;

/**
 * Peer exchange (BEP 11) for one torrent: tells each ut_pex peer which peers joined and
 * left since the last message to it, and feeds peers it hears about to the candidates.
 */
export class PeerExchange {
  private readonly sent = new LazyWeakMap<PeerConnection, Map<string, PeerAddress>>();
  private readonly received = new LazyWeakMap<PeerConnection, number[]>();
  private readonly lastSentAt = new LazyWeakMap<PeerConnection, number>();

  constructor(
    private readonly reachable: (peer: PeerConnection) => PeerAddress | null,
    /**
     * Peers a message flagged as speaking uTP. As libtorrent (peer_list::update_peer sets
     * supports_utp on pex_utp): a known peer whose uTP dial failed is tried over uTP again; an
     * unflagged peer changes nothing (uTP first is everyone's default).
     */
    private readonly heardUtp: (peers: PeerAddress[]) => void = () => undefined,
  ) {}

  /**
   * May `peer` get a message now? Until its first message it may (checked every second, so a
   * peer that connected when we knew nobody hears of the next peer within a second, not a
   * minute later); after that, once a minute.
   */
  due(peer: PeerConnection, now: number): boolean {
    const last = this.lastSentAt.get(peer);
    return last === undefined || now - last >= PEX_INTERVAL_MS;
  }

  /** Sends a ut_pex peer its delta, if there is one. Called right after a peer's extension handshake and whenever due(). */
  sendTo(peer: PeerConnection, connected: Iterable<PeerConnection>): void {
    const remoteId = peer.extensions?.ids.get('ut_pex');
    if (!remoteId || !peer.isOpen) return;
    const current = new Map<string, PeerAddress & { flags: number }>();
    // With two connections to one peer (it dialled us and we dialled it), the other one's
    // address is its own: never tell a peer about itself (it would dial itself).
    const own = this.reachable(peer);
    const ownKey = own ? PeerCandidates.key(own) : null;
    for (const other of connected) {
      if (other === peer) continue;
      const address = this.reachable(other);
      if (!address) continue;
      const key = PeerCandidates.key(address);
      if (key === ownKey) continue;
      // libtorrent's ut_pex sets pex_utp when its connection to that peer runs over uTP.
      const flags = (other.incoming ? 0 : PEX_FLAG_REACHABLE) | (other.isSeed ? PEX_FLAG_SEED : 0) | (other.overUtp ? PEX_FLAG_UTP : 0);
      current.set(key, { ...address, flags });
    }
    const previous = this.sent.get(peer) ?? new Map<string, PeerAddress>();
    const added = [...current].filter(([k]) => !previous.has(k)).map(([, v]) => v);
    const dropped = [...previous].filter(([k]) => !current.has(k)).map(([, v]) => v);
    if (added.length === 0 && dropped.length === 0) return;
    this.sent.set(peer, new Map(current));
    this.lastSentAt.set(peer, Date.now());
    peer.send(msg.extended(remoteId, encodePex(added, dropped)));
  }

  /** Handles a received ut_pex payload; returns the peers worth dialling. */
  receive(peer: PeerConnection, payload: Buffer): PeerAddress[] {
    const now = Date.now();
    const times = (this.received.get(peer) ?? []).filter((t) => now - t < 60_000);
    times.push(now);
    this.received.set(peer, times);
    if (times.length > MAX_RECEIVED_PER_MINUTE) {
      peer.close({ kind: 'bad-pex', detail: 'too many peer exchange messages' });
      return [];
    }
    const parsed = decodePex(payload);
    if (typeof parsed === 'string') {
      peer.close({ kind: 'bad-pex', detail: parsed });
      return [];
    }
    if (parsed.utp.length > 0) this.heardUtp(parsed.utp);
    return parsed.added;
  }
}

/**
 * What a PEX peer's contributions to the candidates are counted under: its IP, so that
 * reconnecting from another port does not earn it a fresh share.
 */
export function pexSourceOf(peer: PeerConnection): string {
  return pexSource(tryParseHostPort(peer.address)?.host ?? peer.address);
}
