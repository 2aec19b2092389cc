/**
 * What tabs sending messages may make the host hold. The WebSocket library keeps a message's
 * frames in memory until the last one has arrived, up to the largest message the host takes
 * (MAX_FRAME, 21 MiB: a 16 MiB .torrent in base64). Each of the 32 tabs could do so at once and
 * stop: 31 tabs that sent 20 MiB of one frame and stalled held the host at 692 MiB RSS. Now
 * every tab may hold TAB_INCOMING_BYTES of a message on its own (every command fits but adding
 * a .torrent over ~750 KiB, file priorities scattered over ~400,000 files, or listed one by one
 * as older callers do for over ~30,000), and the bytes beyond come
 * from one pool for all tabs, SHARED_INCOMING_BYTES: two of the largest messages at once. A
 * tab whose message would not fit is closed (its client fails the request and reconnects).
 * One that holds its part and stops is dropped by the heartbeat: no pong can come in the
 * middle of a frame, and server.ts does not count one that comes between fragments.
 *
 * A message is charged its announced size when its frame header arrives, before its payload
 * is read: the library reads each socket chunk just before this meter sees it, so a tab refused
 * here is closed with at most one chunk (64 KiB) of the message read. The meter reads only
 * headers and counts payload bytes past; it keeps nothing of a frame.
 */

import { MAX_TORRENT_FILE_BYTES } from '../../shared/contract/index.js';

/** Bytes of one WebSocket message (its frames together) the host accepts: the largest .torrent in base64 plus its envelope. */
export const MAX_FRAME = Math.ceil(MAX_TORRENT_FILE_BYTES / 3) * 4 + 64 * 1024;
/** What a tab may hold of a message without drawing on the pool. */
export const TAB_INCOMING_BYTES = 1024 * 1024;
/** What all tabs together may hold beyond their own parts: two of the largest messages. */
export const SHARED_INCOMING_BYTES = 2 * MAX_FRAME;

/** The pool all tabs' messages in progress draw on beyond their own part. */
export class IncomingBudget {
  private used = 0;

  constructor(
    readonly shared = SHARED_INCOMING_BYTES,
    readonly perTab = TAB_INCOMING_BYTES,
  ) {}

  /** Pool bytes held now. */
  get pooled(): number {
    return this.used;
  }

  /** A tab's meter, fed every chunk the tab sends; close() it when the tab closes. */
  open(): IncomingFrames {
    return new IncomingFrames(this);
  }

  /** Takes `bytes` from the pool; false (nothing taken) when they are not there. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.shared) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** Follows one tab's frames (RFC 6455 §5.2) and charges its message in progress to the budget. */
export class IncomingFrames {
  /** The frame header being read (2 to 14 bytes). */
  private readonly header = Buffer.alloc(14);
  private headerHave = 0;
  /** Payload bytes of the current frame not yet past. */
  private payloadLeft = 0;
  /** The current frame ends its message (FIN on a data frame). */
  private endsMessage = false;
  /** Announced payload of the message in progress (its data frames so far). */
  private message = 0;
  /** What of `message` is charged to the pool. */
  private pooled = 0;
  private closed = false;

  constructor(private readonly budget: IncomingBudget) {}

  /** Bytes of the message in progress (announced), 0 between messages. */
  get holding(): number {
    return this.message;
  }

  /** Reads a chunk from the tab; false when its message does not fit the budget (close the tab). */
  feed(chunk: Buffer): boolean {
    let at = 0;
    while (at < chunk.length && !this.closed) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, chunk.length - at);
        this.payloadLeft -= n;
        at += n;
        if (this.payloadLeft === 0) this.frameDone();
        continue;
      }
      this.header[this.headerHave++] = chunk[at++]!;
      const need = this.headerLength();
      if (need === null || this.headerHave < need) continue;
      if (!this.headerDone()) return false;
    }
    return true;
  }

  /** Gives back what the tab held. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.budget.give(this.pooled);
    this.pooled = 0;
    this.message = 0;
  }

  /** The full header's length once its first two bytes are in (null before). */
  private headerLength(): number | null {
    if (this.headerHave < 2) return null;
    const second = this.header[1]!;
    const lengthCode = second & 0x7f;
    const extended = lengthCode === 126 ? 2 : lengthCode === 127 ? 8 : 0;
    return 2 + extended + (second & 0x80 ? 4 : 0);
  }

  /** The header is in: charges a data frame's payload to its message; false when it does not fit. */
  private headerDone(): boolean {
    this.headerHave = 0;
    const first = this.header[0]!;
    const lengthCode = this.header[1]! & 0x7f;
    // A 64-bit length beyond 2^53 is above any budget as a float: refused, as the library refuses it.
    const payload = lengthCode === 126 ? this.header.readUInt16BE(2) : lengthCode === 127 ? Number(this.header.readBigUInt64BE(2)) : lengthCode;
    const opcode = first & 0x0f;
    const control = opcode >= 0x8;
    // Control frames (ping, pong, close: at most 125 bytes) may come between a message's
    // fragments and are not part of it.
    this.endsMessage = !control && (first & 0x80) !== 0;
    if (!control) {
      this.message += payload;
      const beyond = Math.max(0, this.message - this.budget.perTab);
      if (beyond > this.pooled) {
        if (!this.budget.take(beyond - this.pooled)) {
          this.close();
          return false;
        }
        this.pooled = beyond;
      }
    }
    this.payloadLeft = payload;
    if (payload === 0) this.frameDone();
    return true;
  }

  private frameDone(): void {
    if (!this.endsMessage) return;
    this.endsMessage = false;
    this.message = 0;
    this.budget.give(this.pooled);
    this.pooled = 0;
  }
}
