import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConnectionGate } from './connection-gate.js';

/** What the gate uses of a socket: its address, 'close', destroy(). */
function fakeSocket(remoteAddress: string): Socket & { destroyed: boolean } {
  const s = new EventEmitter() as EventEmitter & { remoteAddress: string; destroyed: boolean; destroy(): void };
  s.remoteAddress = remoteAddress;
  s.destroyed = false;
  s.destroy = () => {
    if (s.destroyed) return;
    s.destroyed = true;
    s.emit('close');
  };
  return s as unknown as Socket & { destroyed: boolean };
}

describe('ConnectionGate', () => {
  it('turns over a flood from a few addresses within itself: a user from another address is never dropped for it', () => {
    const gate = new ConnectionGate({ maxConnections: 6, maxPerIp: 3 });
    const flood = (ip: string) => {
      const s = fakeSocket(ip);
      gate.admit(s);
      return s;
    };
    for (let i = 0; i < 3; i++) {
      flood('127.0.0.6');
      flood('127.0.0.7');
    }
    const user = fakeSocket('127.0.0.1');
    expect(gate.admit(user)).toBe(true); // room made from a flooding address
    // A burst of newcomers before the user's request is parsed (it is still waiting).
    const newcomers = Array.from({ length: 200 }, (_, i) => flood(i % 2 ? '127.0.0.6' : '127.0.0.7'));
    expect(user.destroyed).toBe(false);
    expect(gate.size).toBe(6);
    expect(newcomers.filter((s) => !s.destroyed)).toHaveLength(5);
  });

  it('never drops a connection serving a request; a newcomer is refused when nothing waits', () => {
    const gate = new ConnectionGate({ maxConnections: 2, maxPerIp: 2 });
    const a = fakeSocket('10.0.0.1');
    const b = fakeSocket('10.0.0.2');
    gate.admit(a);
    gate.admit(b);
    gate.busy(a);
    gate.busy(b);
    const c = fakeSocket('10.0.0.3');
    expect(gate.admit(c)).toBe(false);
    expect(c.destroyed).toBe(true);
    expect([a.destroyed, b.destroyed]).toEqual([false, false]);
    gate.idle(a);
    expect(gate.admit(fakeSocket('10.0.0.3'))).toBe(true);
    expect(a.destroyed).toBe(true);
  });
});
