import { describe, expect, it } from 'vitest';
import { startOnSavedPort } from './engine-start.js';

const failing = (code: string) => Object.assign(new Error(`listen ${code}: 0.0.0.0:80`), { code });

describe('startOnSavedPort', () => {
  it('a saved port that cannot be listened on (80 without privileges) starts on any free port, with a notice', async () => {
    const asked: number[] = [];
    const started = await startOnSavedPort(async (port) => {
      asked.push(port);
      if (port === 80) throw failing('EACCES');
      return { port: 51413 };
    }, 80);
    expect(asked).toEqual([80, 0]);
    expect(started.session.port).toBe(51413);
    expect(started.problem).toMatch(/port 80 .*privileges.*port 51413/);
  });

  it('the saved port when it works; other failures (and a failing port 0) still fail the start', async () => {
    expect(await startOnSavedPort(async (port) => ({ port }), 6881)).toEqual({ session: { port: 6881 }, problem: null });
    await expect(startOnSavedPort(async () => Promise.reject(Object.assign(new Error('EACCES state folder'), { code: 'ENOTDIR' })), 6881)).rejects.toThrow(/state folder/);
    await expect(startOnSavedPort(async () => Promise.reject(failing('EADDRINUSE')), 0)).rejects.toThrow(/EADDRINUSE/);
  });
});
