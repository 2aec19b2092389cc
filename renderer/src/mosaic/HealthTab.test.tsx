// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { TorrentHealth } from '../../../shared/contract/index.js';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { hash, session, summary } from '../../test/fixtures.js';
import { App } from '../ui/App.js';

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });

async function openHealth(health: TorrentHealth | { invalid: true }): Promise<Mounted> {
  m = await mountWithSnapshot(<App />, { torrents: [summary(1, { name: 'stuck.iso', progress: 0.993, peers: 3, seeds: 1 })] });
  m.transport.replies.getHealth = () => ({ ok: true, result: health });
  const row = m.container.querySelector('[data-testid="torrent-row"]')!;
  await act(async () => { row.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); });
  const tab = m.container.querySelector<HTMLButtonElement>('[data-testid="tab-health"]')!;
  await act(async () => { tab.click(); });
  await flush();
  return m;
}

describe('Health tab', () => {
  it('asks the engine for the selected torrent and shows the ranked causes with what to do', async () => {
    const { container, transport } = await openHealth({
      infoHash: hash(1),
      causes: [
        { id: 'pieces-nobody-has', severity: 'blocking', title: 'Stuck at 99.3%: 12 pieces nobody has', detail: 'Of the 12 missing pieces…', action: 'Wait for a seed.' },
        { id: 'trackers-failing', severity: 'info', title: '1 of 2 trackers fail', detail: 'http://t/a: 404', action: 'Check the URL.' },
      ],
    });
    expect(transport.commands('getHealth')).toEqual([{ infoHash: hash(1) }]);
    const causes = Array.from(container.querySelectorAll('[data-testid="health-cause"]'));
    expect(causes.map((c) => [c.getAttribute('data-cause'), c.getAttribute('data-severity')])).toEqual([
      ['pieces-nobody-has', 'blocking'],
      ['trackers-failing', 'info'],
    ]);
    expect(causes[0]!.textContent).toContain('Stuck at 99.3%: 12 pieces nobody has');
    expect(causes[0]!.textContent).toContain('Wait for a seed.');
    expect(causes[1]!.textContent).toContain('http://t/a: 404');
  });

  it('no causes: says nothing holds it back', async () => {
    const { container } = await openHealth({ infoHash: hash(1), causes: [] });
    expect(container.querySelector('[data-testid="health-ok"]')?.textContent).toContain('Nothing known holds');
  });

  it('a reply that breaks the contract is rejected by the client: no panel, no crash', async () => {
    const { container } = await openHealth({ invalid: true });
    expect(container.querySelector('[data-testid="health-panel"]')).toBeNull();
    expect(container.textContent).toContain('Diagnosing');
    expect(container.querySelector('[data-testid="fatal-error"]')).toBeNull();
  });

  it('asks again at once when the torrent\'s situation changes (peers gone, paused), not a poll later: no stale causes', async () => {
    const { container, transport } = await openHealth({
      infoHash: hash(1),
      causes: [{ id: 'all-choke', severity: 'blocking', title: 'All 3 peers with pieces we need choke us', detail: 'choked: a, b, c', action: 'Wait.' }],
    });
    const shown = () => Array.from(container.querySelectorAll('[data-testid="health-cause"]')).map((c) => c.getAttribute('data-cause'));
    expect(shown()).toEqual(['all-choke']);
    const asked = transport.commands('getHealth').length;
    // The peers disconnect: the next summary says so, and the panel follows without waiting for the poll.
    transport.replies.getHealth = () => ({ ok: true, result: { infoHash: hash(1), causes: [{ id: 'peers-unconnectable', severity: 'blocking', title: '3 peers found, none connectable', detail: '', action: '' }] } });
    await act(async () => { transport.emit({ type: 'summaries', torrents: [summary(1, { name: 'stuck.iso', progress: 0.993, peers: 0, seeds: 0 })], session }); });
    await flush();
    expect(transport.commands('getHealth').length).toBe(asked + 1);
    expect(shown()).toEqual(['peers-unconnectable']);
    // Paused.
    transport.replies.getHealth = () => ({ ok: true, result: { infoHash: hash(1), causes: [{ id: 'paused', severity: 'blocking', title: 'Paused', detail: '', action: 'Resume it.' }] } });
    await act(async () => { transport.emit({ type: 'summaries', torrents: [summary(1, { name: 'stuck.iso', progress: 0.993, peers: 0, seeds: 0, state: 'paused' })], session }); });
    await flush();
    expect(shown()).toEqual(['paused']);
    // A summary that changes nothing the diagnosis looks at asks nothing.
    const before = transport.commands('getHealth').length;
    await act(async () => { transport.emit({ type: 'summaries', torrents: [summary(1, { name: 'stuck.iso', progress: 0.993, peers: 0, seeds: 0, state: 'paused', uploaded: 5 })], session }); });
    await flush();
    expect(transport.commands('getHealth').length).toBe(before);
  });

  it('while the connection to the engine is down, the last causes are not shown as current', async () => {
    const { container, transport } = await openHealth({
      infoHash: hash(1),
      causes: [{ id: 'all-choke', severity: 'blocking', title: 'All 3 peers with pieces we need choke us', detail: '', action: '' }],
    });
    expect(container.querySelector('[data-testid="health-cause"]')).not.toBeNull();
    await act(async () => { transport.status('closed'); });
    expect(container.querySelector('[data-testid="health-cause"]')).toBeNull();
    expect(container.querySelector('[data-testid="health-offline"]')?.textContent).toContain('Not connected');
  });
});
