import { describe, expect, it } from 'vitest';
import { TypedEmitter } from './typed-emitter.js';

interface Events {
  error: (message: string) => void;
  done: () => void;
}

class Thing extends TypedEmitter<Events> {
  fail(message: string): void {
    this.emit('error', message);
  }
  finish(): void {
    this.emit('done');
  }
}

describe('TypedEmitter', () => {
  it("an 'error' event nobody listens to is dropped, not thrown (a torrent in the error state is no exception)", () => {
    const t = new Thing();
    expect(() => t.fail('cannot use the save folder')).not.toThrow();
    expect(() => t.finish()).not.toThrow();
  });

  it("delivers 'error' to its listeners", () => {
    const t = new Thing();
    const got: string[] = [];
    t.on('error', (m) => got.push(m));
    t.fail('disk full');
    expect(got).toEqual(['disk full']);
  });
});
