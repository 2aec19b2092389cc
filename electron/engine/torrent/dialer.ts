import net from 'node:net';
import type { EncryptionMode, PeerAddress } from '../api.js';
import type { PeerConnection } from '../peer/peer-connection.js';
import type { CloseReason } from '../peer/close-reason.js';
import { CRYPTO_RC4, type MseResult } from '../wire/mse/mse-common.js';
import { MseInitiator } from '../wire/mse/mse-initiator.js';
import { HalfOpenLimit, TORRENT_HALF_OPEN } from './half-open.js';
import { PeerCandidates } from './peer-candidates.js';
import type { SessionConnections } from './session-connections.js';
import { LazyMap, LazySet, LazyWeakMap } from '../util/lazy-collections.js';

/**
 * How long a TCP or uTP dial may take to connect, counted from the dial (not from the last
 * traffic, as a socket's own timeout is). libtorrent gives the connect a timeout of its own
 * too (peer_connect_timeout, 15 s there), apart from the handshake's: a dead address (SYN
 * dropped) holds a half-open slot until this runs out, and a torrent has ten. Linux sends the
 * SYN at 0, 1 and 3 s within it; an answer to any of them arrives in time.
 */
export const CONNECT_TIMEOUT_MS = 5_000;
/**
 * How long a connected dial may take to finish its handshakes (MSE, then the BitTorrent
 * handshake), counted from the connect: libtorrent's handshake_timeout, and the listener's
 * bound on an incoming handshake. An address that accepts and never answers held its slot
 * 20 s (the connection's own timeout); a peer that sent an MSE byte every few seconds, for ever.
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long a uTP dial tries alone before TCP is dialled beside it (see Dialer.dial). */
export const UTP_HEAD_START_MS = 500;

/** The sockets of one dial still trying to connect (uTP, then TCP beside it), and whether one has connected. */
interface DialRace {
  readonly address: PeerAddress;
  readonly key: string;
  readonly trying: Set<net.Socket>;
  won: boolean;
  /** TCP failed while uTP was still trying: if uTP fails too, the dial failed (no TCP retry at once). */
  tcpFailed: boolean;
  headStart: NodeJS.Timeout | null;
  /** The socket that connected first, while its MSE handshake runs (then a PeerConnection owns it). */
  connected: net.Socket | null;
  /** The torrent stopped (Dialer.abort): the sockets were destroyed by us, not failed. */
  aborted: boolean;
}

/** No TCP dial joins this race any more (one socket connected, or the dial is over). */
function stopHeadStart(race: DialRace): void {
  if (race.headStart) clearTimeout(race.headStart);
  race.headStart = null;
}

/**
 * Opens a TCP connection; `onRead` gets each chunk and returns false when it paused the socket.
 * `buffer` is where reads land, or a function giving the buffer for each next read (its length
 * caps the read: see Torrent.readBufferNow).
 */
export type Connect = (address: PeerAddress, buffer: Buffer | (() => Buffer), onRead: (chunk: Buffer) => boolean) => net.Socket;

export const tcpConnect: Connect = (address, buffer, onRead) =>
  net.connect({
    host: address.host,
    port: address.port,
    onread: { buffer, callback: (n: number, buf: Uint8Array): boolean => onRead(Buffer.from(buf.buffer, buf.byteOffset, n)) },
  });

/** What the dialer needs from its torrent. */
export interface DialerHost {
  readonly infoHash: Buffer;
  /** Read at each dial: a settings change applies to the next one. */
  readonly encryption: EncryptionMode;
  readonly maxPeers: number;
  /** Connections with a finished handshake. */
  readonly connectedCount: number;
  /** Where outgoing sockets read (see TorrentContext.readBuffer), or a function giving it for each read. */
  readonly readBuffer: Buffer | (() => Buffer);
  /** Whether the torrent talks to peers at all now (running). */
  isActive(): boolean;
  /** Whether the torrent wants more peers now (it runs, and is not a seed with peers enough). */
  wantsPeers(): boolean;
  /** Where the connected peers can be reached (not dialled again). */
  connectedAddresses(): Iterable<PeerAddress>;
  /** The address holds as many connections as one address may (see connections-per-ip.ts): not dialled. */
  addressFull?(host: string): boolean;
  /** The session's connection limit, shared by every torrent: dials stop while it has no room. */
  readonly sessionConnections?: SessionConnections;
  /** The TCP connection (and MSE handshake, if any) is up: a connection for it, not started yet. */
  opened(socket: net.Socket, key: string, mse: MseResult | null): PeerConnection;
  /** Download rate limit after `bytes` were read; false when it paused the socket. */
  throttleDownload(socket: net.Socket, bytes: number): boolean;
  warn(message: string): void;
  isOwnAddress?(address: PeerAddress): boolean;
}

export interface DialerOptions {
  connect?: Connect;
  /** Opens uTP connections; tried first for peers not known to fail over uTP (null: TCP only). */
  utpConnect?: Connect | null;
  /** The session's cap on attempts in progress (shared by every torrent). */
  sessionHalfOpen?: HalfOpenLimit;
  /** This torrent's cap on attempts in progress. */
  halfOpen?: number;
}

/**
 * Outgoing connections for one torrent (Transmission's swarm, libtorrent's peer list): which
 * known addresses to dial and when (PeerCandidates: back-off, bans), the TCP connect and the
 * MSE handshake, and at most a few attempts in progress at once, per torrent and per session.
 * An attempt counts as half-open from the connect until the BitTorrent handshake is done.
 */
export class Dialer {
  readonly candidates = new PeerCandidates();
  /** Attempts before a PeerConnection owns the socket (TCP connect, MSE), by address key. */
  private readonly connecting = new LazySet<string>();
  /** Dials not over yet (sockets connecting, or an MSE handshake running), for abort(). */
  private readonly races = new LazySet<DialRace>();
  /** Dialled connections whose BitTorrent handshake is not done yet (each holds half-open slots), with their handshake deadline. */
  private readonly halfOpenPeers = new LazyMap<PeerConnection, NodeJS.Timeout | undefined>();
  private readonly dialledAddress = new LazyWeakMap<PeerConnection, PeerAddress>();
  private readonly connect: Connect;
  private readonly utpConnect: Connect | null;
  private readonly ownHalfOpen: HalfOpenLimit;
  private readonly sessionHalfOpen: HalfOpenLimit | null;
  /** See wake. */
  private wakeFn: (() => void) | null = null;

  constructor(private readonly host: DialerHost, options: DialerOptions = {}) {
    this.connect = options.connect ?? tcpConnect;
    this.utpConnect = options.utpConnect ?? null;
    this.ownHalfOpen = new HalfOpenLimit(options.halfOpen ?? TORRENT_HALF_OPEN);
    this.sessionHalfOpen = options.sessionHalfOpen ?? null;
  }

  /**
   * Dials more when a half-open slot frees up: the same function each time (the limits' lines
   * know a waiter by it), made when first needed (an idle torrent keeps none).
   */
  private get wake(): () => void {
    return (this.wakeFn ??= () => this.connectMore());
  }

  /** Attempts in progress (sockets opened, BitTorrent handshake not yet done). */
  get halfOpen(): number {
    return this.ownHalfOpen.used;
  }

  /** Learns addresses (trackers, DHT, PEX, x.pe) and dials what it can; `source` names a PEX peer, a tracker or the DHT, whose share is capped. */
  add(peers: Iterable<PeerAddress>, source: string | null = null): void {
    let added = false;
    // libtorrent's PEX lists the recipient too, and trackers or the DHT may: never dial ourselves.
    for (const p of peers) if (!this.host.isOwnAddress?.(p)) added = this.candidates.add(p, source) || added;
    if (added) this.connectMore();
  }

  /** The address a dialled connection went to (null for incoming connections). */
  addressOf(peer: PeerConnection): PeerAddress | null {
    return this.dialledAddress.get(peer) ?? null;
  }

  /** The kinds of source that named the address a dialled connection went to (PeerOrigin bits; 0 for incoming ones). */
  originsOf(peer: PeerConnection): number {
    const address = this.dialledAddress.get(peer);
    return address ? this.candidates.originsOf(address) : 0;
  }

  ban(address: PeerAddress): void {
    this.candidates.ban(address);
  }

  /** Dials ready candidates while under the peer limit and the half-open caps. */
  connectMore(): void {
    if (!this.host.wantsPeers()) return this.stop();
    // Peers connected already (e.g. they dialled us and told their listen port): not again.
    const connected = new Set<string>();
    for (const address of this.host.connectedAddresses()) connected.add(PeerCandidates.key(address));
    const own = this.host.maxPeers - this.host.connectedCount - this.connecting.size - this.halfOpenPeers.size;
    const room = Math.min(own, this.host.sessionConnections?.room() ?? own);
    const toDial: PeerAddress[] = [];
    for (const address of this.candidates.ready(Date.now())) {
      if (toDial.length >= room) break;
      if (!connected.has(PeerCandidates.key(address)) && !this.host.addressFull?.(address.host)) toDial.push(address);
    }
    for (const address of toDial) {
      if (!this.takeSlot()) return; // in line for a slot: woken when one comes back
      this.host.sessionConnections?.dialling();
      this.dial(address);
    }
    this.stop();
  }

  /** Leaves the line for half-open slots (nothing to dial now, or the torrent stopped). Attempts in progress go on. */
  stop(): void {
    this.sessionHalfOpen?.forget(this.wake);
    this.ownHalfOpen.forget(this.wake);
  }

  /**
   * The torrent stopped: leaves the line, and ends every attempt in progress (sockets still
   * connecting, connections whose BitTorrent handshake has not come) without counting it as a
   * failed dial. Left to run out, an address that accepts and never answers kept its socket 20 s
   * after the torrent stopped, and a finished `tessera download` that long before exiting.
   */
  abort(): void {
    this.stop();
    for (const race of [...this.races]) {
      race.aborted = true;
      stopHeadStart(race);
      for (const socket of [...race.trying]) socket.destroy();
      race.connected?.destroy();
    }
    for (const peer of [...this.halfOpenPeers.keys()]) peer.close({ kind: 'torrent-stopped', detail: 'stopped while connecting' });
  }

  private takeSlot(): boolean {
    if (!this.ownHalfOpen.tryTake(this.wake)) return false;
    if (this.sessionHalfOpen && !this.sessionHalfOpen.tryTake(this.wake)) {
      this.ownHalfOpen.give();
      return false;
    }
    return true;
  }

  private giveSlot(): void {
    this.sessionHalfOpen?.give();
    this.ownHalfOpen.give();
  }

  /** The connection's BitTorrent handshake is done: it no longer counts as half-open. */
  handshakeDone(peer: PeerConnection): void {
    if (!this.halfOpenPeers.has(peer)) return;
    clearTimeout(this.halfOpenPeers.get(peer));
    this.halfOpenPeers.delete(peer);
    this.giveSlot();
  }

  /**
   * A connection (dialled or incoming) closed. `known`: it had finished its handshake and
   * joined the torrent. Updates the candidate: banned, redialled with MSE, or backed off.
   */
  peerClosed(peer: PeerConnection, reason: CloseReason, known: boolean): void {
    this.handshakeDone(peer);
    const address = this.dialledAddress.get(peer);
    if (!address) return;
    const hungUp = reason.kind === 'remote-closed';
    // An address that turned out to be us (e.g. our public address, handed back by a peer) is never dialled again.
    if (peer.violated || reason.kind === 'self') this.candidates.ban(address);
    // We stopped: says nothing about the peer.
    else if (reason.kind === 'torrent-stopped') this.candidates.markDisconnected(address, false);
    // Hung up on our plain handshake without answering: it may require encryption.
    else if (!peer.remote && !peer.encrypted && this.host.encryption === 'allow' && hungUp) this.candidates.handshakeRefused(address);
    else this.candidates.markDisconnected(address, !known || (peer.blocksReceived === 0 && !hungUp));
  }

  private dial(address: PeerAddress): void {
    const key = PeerCandidates.key(address);
    this.candidates.markConnecting(address);
    this.connecting.add(key);
    const race: DialRace = { address, key, trying: new Set(), won: false, tcpFailed: false, headStart: null, connected: null, aborted: false };
    this.races.add(race);
    // uTP first, as libtorrent's connect_to_peer. But TCP does not wait for the uTP dial to time
    // out (3 s, libtorrent's utp_connect_timeout): a peer without uTP, or behind a firewall that
    // drops UDP, would cost 3 s at every dial. TCP joins after a head start, as Happy Eyeballs
    // (RFC 8305) races IPv6 and IPv4, and the first socket to connect is the connection.
    if (this.utpConnect !== null && this.candidates.wantsUtp(address)) {
      this.open(race, 'utp');
      race.headStart = setTimeout(() => {
        race.headStart = null;
        if (!race.won && race.trying.size > 0 && this.host.isActive()) this.open(race, 'tcp');
      }, UTP_HEAD_START_MS);
      race.headStart.unref?.();
    } else this.open(race, 'tcp');
  }

  /** One socket of a dial: connects, runs the MSE handshake if any, and hands over to a PeerConnection. */
  private open(race: DialRace, transport: 'utp' | 'tcp'): void {
    const { address, key } = race;
    const viaUtp = transport === 'utp';
    let peer: PeerConnection | null = null;
    let mse = this.mseFor(address);
    let connected = false;
    const connect = viaUtp && this.utpConnect ? this.utpConnect : this.connect;
    const socket = connect(address, this.host.readBuffer, (chunk) => {
      if (mse) {
        const step = mse.push(chunk);
        if (step.kind === 'failed') socket.destroy(new Error(step.reason));
        else {
          if (step.send) socket.write(step.send);
          if (step.kind === 'done') {
            mse = null;
            handOver(step.result);
          }
        }
      } else peer?.receive(chunk);
      return this.host.throttleDownload(socket, chunk.length);
    });
    race.trying.add(socket);
    const connectTimer = setTimeout(() => socket.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
    connectTimer.unref?.();
    /** From the connect to the BitTorrent handshake (see HANDSHAKE_TIMEOUT_MS); a PeerConnection takes it over in halfOpenPeers. */
    let handshakeTimer: NodeJS.Timeout | undefined;
    // Until a PeerConnection owns the socket, its failure is accounted for here, once.
    let settled = false;
    const settle = (): void => {
      settled = true;
      clearTimeout(connectTimer);
      race.trying.delete(socket);
      socket.off('error', onEarlyError);
      socket.off('close', onEarlyClose);
    };
    /** The dial is over (handed over, or every socket failed): its half-open slot comes back with the caller's giveSlot. */
    const endDial = (): void => {
      stopHeadStart(race);
      this.connecting.delete(key);
      this.races.delete(race);
    };
    const onEarlyError = (err: Error): void => {
      if (settled) return;
      const wasMse = mse !== null;
      settle();
      clearTimeout(handshakeTimer);
      // Closed because the other socket connected first: nothing to account for.
      if (race.won && !connected) return;
      if (race.aborted) {
        if (race.trying.size > 0) return;
        endDial();
        this.giveSlot();
        this.candidates.released(address);
        return;
      }
      if (!connected && race.trying.size > 0) {
        // The other transport is still trying: this one just drops out of the race.
        if (viaUtp) this.candidates.preferTcp(address);
        else race.tcpFailed = true;
        return;
      }
      endDial();
      this.giveSlot();
      if (viaUtp && !connected && !race.tcpFailed) return this.utpFailed(address, key, err);
      // An MSE dial that fails under 'allow' goes back to plain (PeerCandidates counts the failure).
      if (!connected) this.candidates.tcpFailed(address);
      if (wasMse && this.host.encryption === 'allow') this.candidates.handshakeRefused(address);
      else this.candidates.markDisconnected(address, true);
      this.host.warn(`${key}: ${err.message}`);
      this.connectMore();
    };
    const onEarlyClose = (): void => onEarlyError(new Error(mse ? 'closed during the MSE handshake' : 'closed before connecting'));
    const handOver = (result: MseResult | null): void => {
      settle();
      endDial();
      if (!this.host.isActive()) {
        // Stopped while the MSE handshake ran.
        clearTimeout(handshakeTimer);
        this.giveSlot();
        socket.destroy();
        this.candidates.markDisconnected(address, false);
        return;
      }
      const opened = this.host.opened(socket, key, result);
      peer = opened;
      this.dialledAddress.set(opened, address);
      // Half-open until the BitTorrent handshake: handshakeDone or peerClosed gives the slot
      // back; the deadline that ran from the connect closes it if the handshake does not come.
      this.halfOpenPeers.set(opened, handshakeTimer);
      peer.start();
      if (result && result.payload.length > 0) peer.receiveDecrypted(result.payload);
    };
    socket.on('error', onEarlyError);
    socket.on('close', onEarlyClose);
    socket.once('connect', () => {
      connected = true;
      if (race.won) {
        // Connected just after the other socket: the connection is the other one.
        settle();
        socket.destroy();
        return;
      }
      race.won = true;
      race.connected = socket;
      clearTimeout(connectTimer);
      handshakeTimer = setTimeout(() => {
        if (peer) peer.close({ kind: 'handshake-timeout', detail: `no BitTorrent handshake ${HANDSHAKE_TIMEOUT_MS / 1000} s after connecting` });
        else socket.destroy(new Error('MSE handshake timeout'));
      }, HANDSHAKE_TIMEOUT_MS);
      handshakeTimer.unref?.();
      race.trying.delete(socket);
      // TCP answered while uTP had not within its head start: later dials go straight to TCP.
      if (!viaUtp && race.trying.size > 0) this.candidates.preferTcp(address);
      for (const other of race.trying) other.destroy();
      stopHeadStart(race);
      if (!this.host.isActive()) {
        settle();
        clearTimeout(handshakeTimer);
        endDial();
        this.giveSlot();
        socket.destroy();
        this.candidates.markDisconnected(address, false);
        return;
      }
      if (mse) socket.write(mse.hello());
      else handOver(null);
    });
  }

  /** A uTP dial got no answer (no uTP there, or UDP blocked): TCP at once. */
  private utpFailed(address: PeerAddress, key: string, err: Error): void {
    this.candidates.utpFailed(address);
    this.host.warn(`${key}: ${err.message}; trying TCP`);
    this.connectMore();
  }

  /** The MSE handshake to open a dial with, if any (see EncryptionMode and PeerCandidates). */
  private mseFor(address: PeerAddress): MseInitiator | null {
    const mode = this.host.encryption;
    if (mode === 'require') return new MseInitiator(this.host.infoHash, CRYPTO_RC4);
    // 'allow': peers that hung up on a plain handshake are dialled with MSE.
    if (mode === 'allow' && this.candidates.wantsEncryption(address)) return new MseInitiator(this.host.infoHash);
    return null;
  }
}
