/**
 * A BitTorrent peer that misbehaves on demand, written on raw `net` sockets. It shares no
 * code with the engine it tests: its own handshake, framing and message builders.
 *
 * It speaks plain BEP 3 (no extension protocol, no fast extension) and records every
 * connection: when it misbehaved, what it received, and whether the other side (Tessera)
 * closed the connection. Modes:
 *   honest             serves real data (harness self-check: libtorrent must accept it)
 *   oversize-frame     after the first request: a frame whose length prefix is > 1 MiB
 *   wrong-bitfield     a bitfield of the wrong length, or with spare bits set
 *   corrupt-data       answers every request with wrong bytes of the right length
 *   unrequested-piece  sends a piece message for a block that was never requested (unaligned)
 *   garbage-handshake  answers the handshake with random bytes
 *   lying-metadata     (for magnets; not in HOSTILE_MODES) speaks the extension protocol only to
 *                      advertise a metadata_size of its own (`metadataSize`) and answers every
 *                      ut_metadata request with junk of that size
 *
 *   const bad = await HostilePeer.listen({ mode: 'corrupt-data', torrent: info });
 *   ... tessera download --peer bad.address ...
 *   bad.connections[0].closedBy === 'remote'
 *   await bad.close();
 */
import { randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';

export type HostileMode =
  | 'honest'
  | 'oversize-frame'
  | 'wrong-bitfield'
  | 'corrupt-data'
  | 'unrequested-piece'
  | 'garbage-handshake'
  | 'lying-metadata';

export const HOSTILE_MODES: readonly HostileMode[] = [
  'oversize-frame',
  'wrong-bitfield',
  'corrupt-data',
  'unrequested-piece',
  'garbage-handshake',
];

export type BitfieldVariant = 'too-long' | 'too-short' | 'spare-bits';

/** The torrent geometry the peer pretends to have (from createTorrent's TorrentInfo). */
export interface HostileTorrent {
  infoHash: string;
  pieceLength: number;
  /** Bytes including pad files. */
  totalSize: number;
  pieces: number;
}

export interface HostilePeerOptions {
  mode: HostileMode;
  torrent: HostileTorrent;
  /** Listen / bind address (loopback only). Default 127.0.0.1. */
  host?: string;
  /** For wrong-bitfield. Default: spare-bits when the piece count leaves spare bits, else too-long. */
  bitfieldVariant?: BitfieldVariant;
  /** For honest mode: the torrent's data files in torrent order (pad files: path null). */
  dataFiles?: Array<{ path: string | null; size: number }>;
  /**
   * Misbehave this many ms after the handshake even if no request came (modes that wait for a
   * request). Default 3000.
   */
  fallbackMs?: number;
  /** For lying-metadata: the metadata_size it advertises (default 40000: three ut_metadata pieces). */
  metadataSize?: number;
}

export interface HostileConnection {
  id: number;
  remote: string;
  direction: 'incoming' | 'outgoing';
  openedAt: number;
  /** The other side's handshake, once received. */
  handshake: { reserved: string; infoHash: string; peerId: string } | null;
  /** When this peer did its hostile act (null: not yet, or honest mode). */
  misbehavedAt: number | null;
  /** Message counts received, by name. */
  received: Record<string, number>;
  /** Requests received after the hostile act. */
  requestsAfterMisbehaviour: number;
  blocksSent: number;
  /** lying-metadata: junk ut_metadata pieces sent. */
  metadataPiecesSent: number;
  closedAt: number | null;
  /** 'remote': the other side closed or reset it; 'local': we did (or close() was called). */
  closedBy: 'remote' | 'local' | null;
  closeReason: string | null;
}

const PROTOCOL = Buffer.from('BitTorrent protocol', 'latin1');
const BLOCK = 16 * 1024;
const MESSAGE_NAMES: Record<number, string> = {
  0: 'choke',
  1: 'unchoke',
  2: 'interested',
  3: 'not-interested',
  4: 'have',
  5: 'bitfield',
  6: 'request',
  7: 'piece',
  8: 'cancel',
  9: 'port',
  13: 'suggest',
  14: 'have-all',
  15: 'have-none',
  16: 'reject',
  17: 'allowed-fast',
  20: 'extended',
};

function frame(id: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head.writeUInt8(id, 4);
  return Buffer.concat([head, payload]);
}

function handshake(infoHash: Buffer, peerId: Buffer, extensionProtocol = false): Buffer {
  // Reserved bytes zero but for BEP 10 when asked: no fast extension, no DHT.
  const reserved = Buffer.alloc(8);
  if (extensionProtocol) reserved[5] = 0x10;
  return Buffer.concat([Buffer.from([PROTOCOL.length]), PROTOCOL, reserved, infoHash, peerId]);
}

/** Our ut_metadata id in the extension handshake (what the other side addresses requests to). */
const OUR_UT_METADATA = 3;
const METADATA_PIECE = 16 * 1024;

function pieceSize(t: HostileTorrent, index: number): number {
  return index === t.pieces - 1 ? t.totalSize - t.pieceLength * (t.pieces - 1) : t.pieceLength;
}

/** A full bitfield with the spare bits clear. */
function fullBitfield(pieces: number): Buffer {
  const bf = Buffer.alloc(Math.ceil(pieces / 8), 0xff);
  const spare = bf.length * 8 - pieces;
  if (spare > 0) bf[bf.length - 1] = (0xff << spare) & 0xff;
  return bf;
}

function badBitfield(pieces: number, variant: BitfieldVariant): Buffer {
  const bf = fullBitfield(pieces);
  switch (variant) {
    case 'too-long':
      return Buffer.concat([bf, Buffer.from([0xff])]);
    case 'too-short':
      return bf.subarray(0, Math.max(0, bf.length - 1));
    case 'spare-bits': {
      if (pieces % 8 === 0) throw new Error('spare-bits needs a piece count that is not a multiple of 8');
      const out = Buffer.from(bf);
      out[out.length - 1] = 0xff;
      return out;
    }
  }
}

/** Reads torrent-offset ranges from the torrent's files (honest mode). */
class TorrentReader {
  private handles = new Map<number, Promise<FileHandle>>();
  constructor(private files: Array<{ path: string | null; size: number }>) {}

  async read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.alloc(length);
    let fileStart = 0;
    let written = 0;
    for (let i = 0; i < this.files.length && written < length; i++) {
      const f = this.files[i];
      if (!f) continue;
      const fileEnd = fileStart + f.size;
      const want = offset + written;
      if (want < fileEnd && f.size > 0) {
        const inFile = want - fileStart;
        const n = Math.min(fileEnd - want, length - written);
        if (f.path !== null) {
          let h = this.handles.get(i);
          if (!h) {
            h = open(f.path, 'r');
            this.handles.set(i, h);
          }
          await (await h).read(out, written, n, inFile);
        }
        written += n;
      }
      fileStart = fileEnd;
    }
    return out;
  }

  async close(): Promise<void> {
    for (const h of this.handles.values()) await (await h).close().catch(() => undefined);
    this.handles.clear();
  }
}

export class HostilePeer {
  readonly connections: HostileConnection[] = [];
  readonly peerId = Buffer.concat([Buffer.from('-HP0001-', 'latin1'), randomBytes(12)]);
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  private reader: TorrentReader | null;
  private readonly infoHash: Buffer;
  private nextId = 1;
  host: string;
  port = 0;

  private constructor(readonly opts: HostilePeerOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this.infoHash = Buffer.from(opts.torrent.infoHash, 'hex');
    if (this.infoHash.length !== 20) throw new Error(`bad info-hash ${opts.torrent.infoHash}`);
    if (opts.mode === 'honest' && !opts.dataFiles) throw new Error('honest mode needs dataFiles');
    this.reader = opts.dataFiles ? new TorrentReader(opts.dataFiles) : null;
  }

  /** "host:port" for --peer. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Listen on host:0 and handle every incoming connection in `mode`. */
  static async listen(opts: HostilePeerOptions): Promise<HostilePeer> {
    const peer = new HostilePeer(opts);
    const server = createServer((sock) => peer.handle(sock, 'incoming'));
    peer.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: peer.host, port: 0 }, () => resolve());
    });
    const addr = server.address();
    peer.port = typeof addr === 'object' && addr ? addr.port : 0;
    return peer;
  }

  /** A peer that dials out (to test the other side's incoming path); it sends the handshake first. */
  static async dial(opts: HostilePeerOptions, host: string, port: number): Promise<HostilePeer> {
    const peer = new HostilePeer(opts);
    const sock = connect({ host, port, localAddress: peer.host });
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', reject);
    });
    peer.handle(sock, 'outgoing');
    return peer;
  }

  /** Resolves when every connection so far is closed, or after timeoutMs (returns false then). */
  async waitAllClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.connections.length > 0 && this.connections.every((c) => c.closedAt !== null)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** Close the server and every connection (marks still-open connections closedBy 'local'). */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (this.server) {
      const srv = this.server;
      this.server = null;
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
    await this.reader?.close();
  }

  /** A human-readable account of every connection, for assertion messages. */
  describe(): string {
    return this.connections
      .map((c) => {
        const rel = (t: number | null): string => (t === null ? '-' : `+${t - c.openedAt}ms`);
        return (
          `#${c.id} ${c.direction} ${c.remote} handshake=${c.handshake ? 'yes' : 'no'} misbehaved=${rel(c.misbehavedAt)} ` +
          `closed=${rel(c.closedAt)} by ${c.closedBy ?? '-'} (${c.closeReason ?? ''}) received=${JSON.stringify(c.received)} ` +
          `blocksSent=${c.blocksSent} requestsAfterMisbehaviour=${c.requestsAfterMisbehaviour}`
        );
      })
      .join('\n');
  }

  private handle(sock: Socket, direction: 'incoming' | 'outgoing'): void {
    const { mode, torrent } = this.opts;
    const conn: HostileConnection = {
      id: this.nextId++,
      remote: `${sock.remoteAddress}:${sock.remotePort}`,
      direction,
      openedAt: Date.now(),
      handshake: null,
      misbehavedAt: null,
      received: {},
      requestsAfterMisbehaviour: 0,
      blocksSent: 0,
      metadataPiecesSent: 0,
      closedAt: null,
      closedBy: null,
      closeReason: null,
    };
    this.connections.push(conn);
    this.sockets.add(sock);
    sock.setNoDelay(true);

    let buf: Buffer = Buffer.alloc(0);
    let gotHandshake = false;
    let localClose = false;
    let fallback: NodeJS.Timeout | null = null;
    const requested = new Set<string>();
    /** The other side's ut_metadata id, from its extension handshake. */
    let theirUtMetadata = 0;
    let firstRequestTimer: NodeJS.Timeout | null = null;

    const send = (b: Buffer): void => {
      if (!sock.destroyed) sock.write(b);
    };
    const misbehave = (): void => {
      if (conn.misbehavedAt === null) conn.misbehavedAt = Date.now();
    };
    const markClosed = (by: 'remote' | 'local', reason: string): void => {
      if (conn.closedBy === null) {
        conn.closedBy = by;
        conn.closeReason = reason;
      }
    };

    const sendHandshake = (): void => send(handshake(this.infoHash, this.peerId, mode === 'lying-metadata'));
    const metadataSize = this.opts.metadataSize ?? 40_000;

    const startSession = (): void => {
      // What happens right after both handshakes, per mode.
      switch (mode) {
        case 'garbage-handshake':
          return; // handled at handshake time
        case 'lying-metadata':
          // Hand-written bencode: { m: { ut_metadata: 3 }, metadata_size: N }.
          send(frame(20, Buffer.concat([Buffer.from([0]), Buffer.from(`d1:md11:ut_metadatai${OUR_UT_METADATA}ee13:metadata_sizei${metadataSize}ee`, 'latin1')])));
          misbehave();
          return;
        case 'wrong-bitfield': {
          const variant = this.opts.bitfieldVariant ?? (torrent.pieces % 8 !== 0 ? 'spare-bits' : 'too-long');
          send(frame(5, badBitfield(torrent.pieces, variant)));
          send(frame(1));
          misbehave();
          return;
        }
        default:
          send(frame(5, fullBitfield(torrent.pieces)));
          send(frame(1));
      }
      if (mode === 'oversize-frame' || mode === 'unrequested-piece') {
        fallback = setTimeout(() => act(), this.opts.fallbackMs ?? 3000);
      }
    };

    const sendOversize = (): void => {
      const head = Buffer.alloc(5);
      head.writeUInt32BE(2 * 1024 * 1024 + 9, 0); // > 1 MiB
      head.writeUInt8(7, 4);
      send(Buffer.concat([head, randomBytes(64 * 1024)]));
      misbehave();
    };

    const sendUnrequestedPiece = (): void => {
      // A block no client ever requests: it starts half-way into a 16 KiB block (requests are
      // block-aligned), so it was requested neither from us nor from any other peer. Taken
      // from the last piece with room for it that we were not asked for.
      for (let index = torrent.pieces - 1; index >= 0; index--) {
        const size = pieceSize(torrent, index);
        const begin = Math.min(BLOCK, size) >> 1;
        if (begin === 0 || requested.has(`${index}:0`)) continue;
        const len = Math.min(BLOCK >> 1, size - begin);
        const payload = Buffer.alloc(8 + len);
        payload.writeUInt32BE(index, 0);
        payload.writeUInt32BE(begin, 4);
        randomBytes(len).copy(payload, 8);
        send(frame(7, payload));
        misbehave();
        return;
      }
    };

    const act = (): void => {
      if (conn.misbehavedAt !== null || sock.destroyed) return;
      if (mode === 'oversize-frame') sendOversize();
      else if (mode === 'unrequested-piece') sendUnrequestedPiece();
    };

    const onRequest = (index: number, begin: number, length: number): void => {
      requested.add(`${index}:${begin}`);
      if (conn.misbehavedAt !== null) conn.requestsAfterMisbehaviour++;
      switch (mode) {
        case 'honest': {
          const offset = index * torrent.pieceLength + begin;
          if (index >= torrent.pieces || begin + length > pieceSize(torrent, index) || length > 128 * 1024) {
            sock.destroy();
            return;
          }
          void this.reader?.read(offset, length).then((data) => {
            const payload = Buffer.alloc(8 + length);
            payload.writeUInt32BE(index, 0);
            payload.writeUInt32BE(begin, 4);
            data.copy(payload, 8);
            send(frame(7, payload));
            conn.blocksSent++;
          });
          return;
        }
        case 'corrupt-data': {
          const payload = Buffer.alloc(8 + length);
          payload.writeUInt32BE(index, 0);
          payload.writeUInt32BE(begin, 4);
          randomBytes(length).copy(payload, 8);
          send(frame(7, payload));
          conn.blocksSent++;
          misbehave();
          return;
        }
        case 'oversize-frame':
          act();
          return;
        case 'unrequested-piece':
          // Collect the first burst of requests, then send a block outside all of them.
          if (!firstRequestTimer) firstRequestTimer = setTimeout(() => act(), 300);
          return;
        default:
          return; // the other modes never serve data
      }
    };

    const onMessage = (id: number, payload: Buffer): void => {
      const name = MESSAGE_NAMES[id] ?? `id-${id}`;
      conn.received[name] = (conn.received[name] ?? 0) + 1;
      if (id === 6 && payload.length === 12) {
        onRequest(payload.readUInt32BE(0), payload.readUInt32BE(4), payload.readUInt32BE(8));
      }
      if (id === 20 && mode === 'lying-metadata' && payload[0] === OUR_UT_METADATA) {
        const request = /^d8:msg_typei0e5:piecei(\d+)ee/.exec(payload.subarray(1).toString('latin1'));
        if (!request) return;
        const piece = Number(request[1]);
        const length = Math.min(METADATA_PIECE, metadataSize - piece * METADATA_PIECE);
        if (length <= 0) return;
        const head = Buffer.from(`d8:msg_typei1e5:piecei${piece}e10:total_sizei${metadataSize}ee`, 'latin1');
        send(frame(20, Buffer.concat([Buffer.from([theirUtMetadata]), head, randomBytes(length)])));
        conn.metadataPiecesSent++;
      }
      if (id === 20 && payload[0] === 0) {
        const m = /11:ut_metadatai(\d+)e/.exec(payload.toString('latin1'));
        if (m) theirUtMetadata = Number(m[1]);
      }
    };

    const onData = (chunk: Buffer): void => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (!gotHandshake) {
        if (mode === 'garbage-handshake' && direction === 'incoming' && buf.length > 0) {
          // Answer whatever arrived with bytes that are not a handshake (first byte never 19).
          const junk = randomBytes(68);
          junk[0] = 0x42;
          gotHandshake = true;
          buf = Buffer.alloc(0);
          send(junk);
          misbehave();
          return;
        }
        if (buf.length < 68) return;
        if (buf[0] !== 19 || !buf.subarray(1, 20).equals(PROTOCOL)) {
          localClose = true;
          markClosed('local', 'peer sent a bad handshake');
          sock.destroy();
          return;
        }
        conn.handshake = {
          reserved: buf.subarray(20, 28).toString('hex'),
          infoHash: buf.subarray(28, 48).toString('hex'),
          peerId: buf.subarray(48, 68).toString('latin1'),
        };
        gotHandshake = true;
        buf = buf.subarray(68);
        if (direction === 'incoming') sendHandshake();
        startSession();
      }
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (len > 4 * 1024 * 1024) {
          localClose = true;
          markClosed('local', `peer sent a ${len}-byte frame`);
          sock.destroy();
          return;
        }
        if (buf.length < 4 + len) return;
        if (len > 0) onMessage(buf.readUInt8(4), buf.subarray(5, 4 + len));
        else conn.received['keep-alive'] = (conn.received['keep-alive'] ?? 0) + 1;
        buf = buf.subarray(4 + len);
      }
    };

    sock.on('data', onData);
    sock.on('end', () => markClosed('remote', 'remote closed (FIN)'));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      markClosed(localClose ? 'local' : 'remote', `socket error ${err.code ?? err.message}`);
    });
    sock.on('close', () => {
      if (fallback) clearTimeout(fallback);
      if (firstRequestTimer) clearTimeout(firstRequestTimer);
      this.sockets.delete(sock);
      // Closed without an 'end' or 'error' seen: we destroyed it (close() or a protocol error).
      markClosed('local', 'closed by the hostile peer');
      conn.closedAt = Date.now();
    });

    if (direction === 'outgoing') {
      if (mode === 'garbage-handshake') {
        const junk = randomBytes(68);
        junk[0] = 0x42;
        send(junk);
        misbehave();
        gotHandshake = true;
      } else {
        sendHandshake();
      }
    }
  }
}
