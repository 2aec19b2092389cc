/**
 * The peer the memory scripts play against a Tessera seed: within every limit an honest peer
 * keeps (no request while choked, at most 500 outstanding, libtorrent's reqq), it waits to be
 * unchoked, asks for 500 blocks spread over every piece and then reads nothing more, so every
 * block it was promised waits in the seed. What the seed sends before the unchoke is read with
 * the engine's own frame reader.
 */
import type { Socket } from 'node:net';
import { requestBatch } from '../electron/engine/wire/encode.js';
import { FrameReader } from '../electron/engine/wire/frame-reader.js';
import { HANDSHAKE_LENGTH } from '../electron/engine/wire/handshake.js';
import { BLOCK_SIZE, MessageId } from '../electron/engine/wire/message-ids.js';

/** libtorrent's default reqq: the most requests a peer may have outstanding. */
const REQUESTS = 500;

/**
 * On a socket whose handshake was sent: once the seed unchokes it, 500 requests for 16 KiB
 * blocks of `pieces` pieces (block k of each piece before block k + 1 of any), then it is paused.
 */
export function requestOnceUnchoked(sock: Socket, pieces: number): void {
  awaitUnchoke(sock, () =>
    sock.write(requestBatch(Array.from({ length: REQUESTS }, (_, n) => [n % pieces, Math.floor(n / pieces) * BLOCK_SIZE, BLOCK_SIZE] as const))),
  );
  sock.resume();
}

/** Calls `unchoked` once, when the seed's unchoke arrives, after pausing `sock`, which is read no further. */
function awaitUnchoke(sock: Socket, unchoked: () => void): void {
  let handshakeLeft = HANDSHAKE_LENGTH;
  const stop = (): void => {
    reader.stop();
    sock.off('data', onData);
    sock.pause();
  };
  const reader = new FrameReader({
    keepAlive: () => undefined,
    message: (id) => {
      if (id !== MessageId.Unchoke) return;
      stop();
      unchoked();
    },
    // No piece comes unasked; one that does is skipped.
    pieceStart: () => true,
    pieceData: () => undefined,
    pieceEnd: () => undefined,
    protocolError: () => stop(),
  });
  const onData = (chunk: Buffer): void => {
    const skip = Math.min(handshakeLeft, chunk.length);
    handshakeLeft -= skip;
    if (skip < chunk.length) reader.push(chunk.subarray(skip));
  };
  sock.on('data', onData);
}
