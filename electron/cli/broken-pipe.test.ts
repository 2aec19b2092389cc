import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { exitQuietlyOnBrokenPipe } from './broken-pipe.js';

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

describe('exitQuietlyOnBrokenPipe', () => {
  it('exits 0 and prints nothing when the reader closed the pipe (EPIPE)', () => {
    const stream = new EventEmitter();
    const exits: number[] = [];
    const said: string[] = [];
    exitQuietlyOnBrokenPipe(stream, (c) => exits.push(c), (m) => said.push(m));
    stream.emit('error', errno('EPIPE', 'write EPIPE'));
    expect(exits).toEqual([0]);
    expect(said).toEqual([]);
  });

  it('reports any other output error in one line and exits 1', () => {
    const stream = new EventEmitter();
    const exits: number[] = [];
    const said: string[] = [];
    exitQuietlyOnBrokenPipe(stream, (c) => exits.push(c), (m) => said.push(m));
    stream.emit('error', errno('ENOSPC', 'no space left on device'));
    expect(exits).toEqual([1]);
    expect(said).toEqual(['tessera: cannot write output: no space left on device\n']);
  });
});
