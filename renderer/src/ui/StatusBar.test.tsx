// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ALT_SPEED } from '../../../shared/contract/index.js';
import { session } from '../../test/fixtures.js';
import { mountWithSnapshot, testSettings, type Mounted } from '../../test/mount.js';
import { StatusBar } from './StatusBar.js';

let m: Mounted;
const $ = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });

afterEach(() => m.unmount());

describe('status bar', () => {
  it('says connectable or not only when the engine has evidence; otherwise unknown, with its reason as the tooltip', async () => {
    const reachability = 'listening on loopback only: reachable from this machine alone, as set';
    m = await mountWithSnapshot(<StatusBar />, { session: { ...session, reachability } });
    expect($('status-connectable')?.textContent).toBe('Reachability unknown');
    expect($('status-connectable')?.dataset.connectable).toBe('unknown');
    expect($('status-connectable')?.title).toBe(reachability);
    await m.unmount();
    m = await mountWithSnapshot(<StatusBar />, { session: { ...session, connectable: false, reachability: 'probably not reachable from outside' } });
    expect($('status-connectable')?.textContent).toBe('Not connectable');
    await m.unmount();
    m = await mountWithSnapshot(<StatusBar />, { session: { ...session, connectable: true, reachability: 'reachable: 1 incoming connection seen' } });
    expect($('status-connectable')?.textContent).toBe('Connectable');
  });

  it('the turtle switches the alternative speed limits, keeping their values and schedule', async () => {
    const altSpeed = { ...DEFAULT_ALT_SPEED, scheduled: true, days: [1, 2] };
    m = await mountWithSnapshot(<StatusBar />, { settings: { ...testSettings, altSpeed } });
    expect($('status-alt-speed')?.getAttribute('aria-pressed')).toBe('false');
    await act(async () => $('status-alt-speed')?.click());
    await flush();
    expect(m.transport.commands('setSettings')).toEqual([{ altSpeed: { ...altSpeed, active: true } }]);
  });

  it('Statistics shows session and all-time totals from the engine', async () => {
    m = await mountWithSnapshot(<StatusBar />);
    m.transport.replies.getStatistics = () => ({
      ok: true,
      result: { sessionDownloaded: 1024, sessionUploaded: 2048, allTimeDownloaded: 4096, allTimeUploaded: 8192, allTimeRatio: 2 },
    });
    await act(async () => $('status-statistics')?.click());
    await flush();
    expect($('stat-session-down')?.textContent).toBe('1.00 KiB');
    expect($('stat-all-up')?.textContent).toBe('8.00 KiB');
    expect($('stat-all-ratio')?.textContent).toBe('2.00');
  });
});
