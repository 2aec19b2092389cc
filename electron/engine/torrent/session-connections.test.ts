import { describe, expect, it } from 'vitest';
import { SessionConnections } from './session-connections.js';

describe('SessionConnections', () => {
  it('gives the room left under the limit, less each dial since the last count, never below 0', () => {
    let now = 0;
    let held = 95;
    let counts = 0;
    const connections = new SessionConnections(() => 100, () => (counts++, held), () => now, 250);
    expect(connections.room()).toBe(5);
    connections.dialling();
    connections.dialling();
    expect(connections.room()).toBe(3);
    for (let i = 0; i < 5; i++) connections.dialling();
    expect(connections.room()).toBe(0);
    expect(counts).toBe(1);
    // Counted again once the interval has passed: the truth replaces the running estimate.
    now = 250;
    held = 90;
    expect(connections.room()).toBe(10);
    expect(counts).toBe(2);
  });

  it('counts again at once when told to (the limit changed)', () => {
    let limit = 100;
    const connections = new SessionConnections(() => limit, () => 60, () => 0, 250);
    expect(connections.room()).toBe(40);
    limit = 50;
    expect(connections.room()).toBe(40);
    connections.recount();
    expect(connections.room()).toBe(0);
  });
});
