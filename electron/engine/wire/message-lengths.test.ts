import { describe, expect, it } from 'vitest';
import { MessageId } from './message-ids.js';
import { payloadLengthError } from './message-lengths.js';

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
