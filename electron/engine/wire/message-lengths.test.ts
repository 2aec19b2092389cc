import { describe, expect, it } from 'vitest';
import { MessageId } from './message-ids.js';
import { payloadLengthError, payloadLimit } from './message-lengths.js';

describe('payloadLengthError', () => {
  it.each([
    [MessageId.Choke, 0],
    [MessageId.Have, 4],
    [MessageId.Request, 12],
    [MessageId.Cancel, 12],
    [MessageId.RejectRequest, 12],
    [MessageId.Port, 2],
    [MessageId.AllowedFast, 4],
    [MessageId.HaveAll, 0],
    [MessageId.Bitfield, 0],
    [MessageId.Bitfield, 300],
    [MessageId.Extended, 1],
    [99, 7],
  ])('accepts message %i with %i bytes', (id, length) => {
    expect(payloadLengthError(id, length)).toBeNull();
  });

  it.each([
    [MessageId.Unchoke, 1, 'malformed unchoke: a 1-byte payload, not 0'],
    [MessageId.Have, 3, 'malformed have: a 3-byte payload, not 4'],
    [MessageId.Request, 13, 'malformed request: a 13-byte payload, not 12'],
    [MessageId.Port, 4, 'malformed port: a 4-byte payload, not 2'],
    [MessageId.HaveNone, 2, 'malformed have none: a 2-byte payload, not 0'],
    [MessageId.Extended, 0, 'empty extended message'],
  ])('refuses message %i with %i bytes', (id, length, reason) => {
    expect(payloadLengthError(id, length)).toBe(reason);
  });
});

describe('payloadLimit', () => {
  it('allows each message no more than it can carry', () => {
    expect(payloadLimit(MessageId.Have, 100)).toBe(4);
    expect(payloadLimit(MessageId.Request, 100)).toBe(12);
    expect(payloadLimit(MessageId.Bitfield, 100)).toBe(13);
    expect(payloadLimit(MessageId.Bitfield, 0)).toBe(256 * 1024);
    expect(payloadLimit(MessageId.Extended, 100)).toBeLessThan(128 * 1024);
    expect(payloadLimit(MessageId.Extended, 100)).toBeGreaterThan(64 * 1024);
    expect(payloadLimit(MessageId.Hashes, 100)).toBe(48 + 32 * (512 + 64));
  });

  it('skips ids nobody reads', () => {
    expect(payloadLimit(99, 100)).toBe('skip');
  });
});
