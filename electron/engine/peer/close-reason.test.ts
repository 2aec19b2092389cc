import { describe, expect, it } from 'vitest';
import { describeClose, isRoutineClose } from './close-reason.js';

describe('close reasons', () => {
  it('describes a kind with its detail for logs', () => {
    expect(describeClose({ kind: 'protocol-violation', detail: 'second bitfield' })).toBe('protocol violation: second bitfield');
    expect(describeClose({ kind: 'remote-closed' })).toBe('connection closed by peer');
  });

  it('treats our own ordinary closes as routine and failures as worth a warning', () => {
    expect(isRoutineClose({ kind: 'torrent-stopped', detail: 'paused' })).toBe(true);
    expect(isRoutineClose({ kind: 'both-seeds' })).toBe(true);
    expect(isRoutineClose({ kind: 'protocol-violation', detail: 'x' })).toBe(false);
    expect(isRoutineClose({ kind: 'remote-closed' })).toBe(false);
  });
});
