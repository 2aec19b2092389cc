import { describe, expect, it } from 'vitest';
import { inFlightReply, packInFlight, SLOW_REQUEST_MS, unpackInFlight } from '../../../shared/contract/in-flight.js';
import type { OutstandingRequest } from '../peer/block-requests.js';
import { PieceDownload } from '../picker/piece-download.js';
import { inFlightView } from './in-flight.js';

const BLOCK = 16384;

function request(piece: PieceDownload, block: number, sentAt: number): OutstandingRequest {
  piece.markRequested(block);
  return { piece, block, begin: block * BLOCK, length: BLOCK, sentAt };
}

describe('inFlightView', () => {
  it('per block: requested, received, being written; who sent, who is asked and since when; slow pieces first', () => {
    const fast = new PieceDownload(3, 4 * BLOCK, Buffer.alloc(4 * BLOCK));
    const slow = new PieceDownload(7, 2 * BLOCK, Buffer.alloc(2 * BLOCK));
    const a = { address: '10.0.0.1:1', client: 'A' };
    fast.markRequested(0);
    fast.markArrived(0);
    fast.credit(a);
    const now = 100_000;
    const peers = [
      { address: '10.0.0.1:1', outstanding: [request(fast, 1, now - 1000)] },
      { address: '10.0.0.2:2', outstanding: [request(slow, 0, now - SLOW_REQUEST_MS - 1), request(slow, 1, now - 50)] },
    ];
    const v = inFlightView([fast, slow], peers, now);
    expect(v.total).toBe(2);
    expect(v.pieces.map((p) => p.index)).toEqual([7, 3]);
    expect(v.pieces[0]).toEqual({ index: 7, blocks: 'rr', from: [], waitingOn: [{ peer: '10.0.0.2:2', blocks: 2 }], oldestRequest: now - SLOW_REQUEST_MS - 1, slow: true, state: 'downloading' });
    expect(v.pieces[1]).toEqual({ index: 3, blocks: 'Rr..', from: [{ peer: '10.0.0.1:1', blocks: 1 }], waitingOn: [{ peer: '10.0.0.1:1', blocks: 1 }], oldestRequest: now - 1000, slow: false, state: 'downloading' });
    fast.verifying = true;
    expect(inFlightView([fast], [], now).pieces[0]).toMatchObject({ blocks: 'wr..', state: 'verifying', oldestRequest: null, slow: false });
    expect(() => inFlightReply(packInFlight(v), 'v')).not.toThrow();
    expect(unpackInFlight(packInFlight(v))).toEqual(v);
  });
});
