// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { hash, summary } from '../../test/fixtures.js';
import { packInFlight } from '../../../shared/contract/index.js';
import { App } from '../ui/App.js';

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
});

describe('In-flight inspector', () => {
  it('shows each piece in flight block by block, who sent and who is asked, how long it waited; slow ones marked', async () => {
    m = await mountWithSnapshot(<App />, { torrents: [summary(1)] });
    const { container, transport } = m;
    transport.replies.getInFlight = () => ({
      ok: true,
      result: packInFlight({
        now: 100_000,
        total: 2,
        pieces: [
          { index: 7, blocks: 'rr', from: [], waitingOn: [{ peer: '10.0.0.2:2', blocks: 2 }], oldestRequest: 85_000, slow: true, state: 'downloading' },
          { index: 3, blocks: 'Rr..', from: [{ peer: '10.0.0.1:1', blocks: 1 }], waitingOn: [{ peer: '10.0.0.1:1', blocks: 1 }], oldestRequest: 99_000, slow: false, state: 'downloading' },
        ],
      }),
    });
    await act(async () => { container.querySelector('[data-testid="torrent-row"]')!.dispatchEvent(new MouseEvent('mousedown', { bubbles: true })); });
    await act(async () => { container.querySelector<HTMLButtonElement>('[data-testid="tab-inflight"]')!.click(); });
    await act(async () => { await new Promise((r) => setTimeout(r, 0)); });
    expect(transport.commands('getInFlight')).toEqual([{ infoHash: hash(1) }]);
    const rows = Array.from(container.querySelectorAll('[data-testid="inflight-row"]'));
    expect(rows.map((r) => [r.getAttribute('data-piece'), r.getAttribute('data-slow'), r.getAttribute('data-blocks')])).toEqual([['7', 'true', 'rr'], ['3', 'false', 'Rr..']]);
    expect(rows[0]!.textContent).toContain('15 s');
    expect(rows[0]!.textContent).toContain('10.0.0.2:2 ×2');
    expect(rows[1]!.querySelector('[data-testid="inflight-blocks"]')?.getAttribute('aria-label')).toBe('1 of 4 blocks received, 1 requested');
    expect(rows[1]!.textContent).toContain('10.0.0.1:1 ×1');
  });
});
