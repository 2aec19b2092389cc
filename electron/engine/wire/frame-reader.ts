import { MAX_FRAME_LENGTH, MessageId } from './message-ids.js';
import { MESSAGE_NAMES } from './message-lengths.js';

/**
 * Receives the frames of one peer connection.
 *
 * Piece payloads are streamed: `pieceStart` announces a block, then `pieceData` hands
 * over its bytes as they arrive (views into the socket's read buffer, valid only during
 * the call), so a block is copied exactly once — into the piece buffer that will be
 * hashed and written. Every other message is delivered whole.
 */
export interface FrameSink {
  keepAlive(): void;
  /** A non-piece message. `payload` is valid only during the call: copy what you keep. */
  message(id: number, payload: Buffer): void;
  /** Returns false to stop the connection (the sink already recorded why). */
  pieceStart(index: number, begin: number, length: number): boolean;
  pieceData(bytes: Buffer, offsetInBlock: number): void;
  pieceEnd(): void;
  protocolError(reason: string): void;
  /**
   * The most payload a message with this id may have (checked before any of it is buffered),
   * or 'skip' to discard the message's bytes as they arrive without buffering or delivering it.
   * Without it, any message up to the frame limit is buffered and delivered.
   */
  payloadLimit?(id: number): number | 'skip';
}

const enum Phase {
  Length,
  Id,
  Payload,
  PieceHeader,
  PieceData,
  Skip,
}

export class FrameReader {
  private phase = Phase.Length;
  private readonly head = Buffer.alloc(8);
  private headFill = 0;
  private frameLength = 0;
  private messageId = 0;
  private payload: Buffer | null = null;
  private payloadFill = 0;
  private blockRemaining = 0;
  private blockOffset = 0;
  private skipRemaining = 0;
  private dead = false;

  constructor(private readonly sink: FrameSink, private readonly maxFrameLength = MAX_FRAME_LENGTH) {}

  /** Consumes a chunk. Nothing of `chunk` is retained after this returns. */
  push(chunk: Buffer): void {
    let at = 0;
    const end = chunk.length;
    while (at < end && !this.dead) {
      switch (this.phase) {
        case Phase.Length: {
          const take = Math.min(4 - this.headFill, end - at);
          if (take === 4) {
            this.frameLength = chunk.readUInt32BE(at);
          } else {
            chunk.copy(this.head, this.headFill, at, at + take);
            this.headFill += take;
            if (this.headFill < 4) return;
            this.frameLength = this.head.readUInt32BE(0);
          }
          at += take;
          this.headFill = 0;
          if (this.frameLength === 0) {
            this.sink.keepAlive();
          } else if (this.frameLength > this.maxFrameLength) {
            this.fail(`frame of ${this.frameLength} bytes exceeds the ${this.maxFrameLength}-byte limit`);
          } else {
            this.phase = Phase.Id;
          }
          break;
        }
        case Phase.Id: {
          this.messageId = chunk[at++]!;
          const payloadLength = this.frameLength - 1;
          if (this.messageId === MessageId.Piece) {
            if (payloadLength < 8) {
              this.fail(`piece message of ${this.frameLength} bytes is too short`);
              break;
            }
            this.phase = Phase.PieceHeader;
          } else if (payloadLength === 0) {
            this.deliver(Buffer.alloc(0));
          } else if (this.notBuffered(payloadLength)) {
            break;
          } else {
            this.phase = Phase.Payload;
            this.payload = null;
            this.payloadFill = 0;
          }
          break;
        }
        case Phase.Payload: {
          const payloadLength = this.frameLength - 1;
          if (this.payload === null && end - at >= payloadLength) {
            // Whole payload in this chunk: hand over a view, no copy.
            const view = chunk.subarray(at, at + payloadLength);
            at += payloadLength;
            this.deliver(view);
            break;
          }
          this.payload ??= Buffer.allocUnsafe(payloadLength);
          const take = Math.min(payloadLength - this.payloadFill, end - at);
          chunk.copy(this.payload, this.payloadFill, at, at + take);
          this.payloadFill += take;
          at += take;
          if (this.payloadFill === payloadLength) {
            const whole = this.payload;
            this.payload = null;
            this.deliver(whole);
          }
          break;
        }
        case Phase.Skip: {
          const take = Math.min(this.skipRemaining, end - at);
          at += take;
          this.skipRemaining -= take;
          if (this.skipRemaining === 0) this.phase = Phase.Length;
          break;
        }
        case Phase.PieceHeader: {
          const take = Math.min(8 - this.headFill, end - at);
          chunk.copy(this.head, this.headFill, at, at + take);
          this.headFill += take;
          at += take;
          if (this.headFill < 8) return;
          this.headFill = 0;
          const index = this.head.readUInt32BE(0);
          const begin = this.head.readUInt32BE(4);
          this.blockRemaining = this.frameLength - 9;
          this.blockOffset = 0;
          if (!this.sink.pieceStart(index, begin, this.blockRemaining)) {
            this.dead = true;
            return;
          }
          if (this.blockRemaining === 0) {
            this.phase = Phase.Length;
            this.sink.pieceEnd();
          } else {
            this.phase = Phase.PieceData;
          }
          break;
        }
        case Phase.PieceData: {
          const take = Math.min(this.blockRemaining, end - at);
          this.sink.pieceData(chunk.subarray(at, at + take), this.blockOffset);
          at += take;
          this.blockOffset += take;
          this.blockRemaining -= take;
          if (this.blockRemaining === 0) {
            this.phase = Phase.Length;
            this.sink.pieceEnd();
          }
          break;
        }
      }
    }
  }

  /** Stops delivering anything further (the connection is being closed). */
  stop(): void {
    this.dead = true;
  }

  /**
   * Applies the sink's payload limit to the message whose id was just read: true when its
   * payload will not be buffered (it is skipped, or too long and the connection failed).
   */
  private notBuffered(payloadLength: number): boolean {
    const limit = this.sink.payloadLimit?.(this.messageId);
    if (limit === undefined) return false;
    if (limit === 'skip') {
      this.phase = Phase.Skip;
      this.skipRemaining = payloadLength;
      return true;
    }
    if (payloadLength <= limit) return false;
    this.fail(`${MESSAGE_NAMES[this.messageId] ?? `message ${this.messageId}`}: a ${payloadLength}-byte payload is over its ${limit}-byte limit`);
    return true;
  }

  private deliver(payload: Buffer): void {
    this.phase = Phase.Length;
    this.sink.message(this.messageId, payload);
  }

  private fail(reason: string): void {
    this.dead = true;
    this.sink.protocolError(reason);
  }
}
