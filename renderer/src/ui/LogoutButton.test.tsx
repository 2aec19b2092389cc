// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mountWithSnapshot, type Mounted } from '../../test/mount.js';
import { noHostFetch } from '../../test/no-host.js';
import { LogoutButton } from './LogoutButton.js';

let m: Mounted | null = null;
afterEach(async () => {
  await m?.unmount();
  m = null;
  globalThis.fetch = noHostFetch as typeof fetch;
  vi.restoreAllMocks();
});

const settle = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });

describe('Log out (remote web UI)', () => {
  it('is not offered to a page that holds no login session', async () => {
    m = await mountWithSnapshot(<LogoutButton />);
    await settle();
    expect(m.container.querySelector('[data-testid="logout-button"]')).toBeNull();
  });

  it('ends the session on the host, then shows the login page', async () => {
    const asked: Array<[string, string]> = [];
    globalThis.fetch = (async (url: string, init?: RequestInit) => {
      asked.push([String(url), init?.method ?? 'GET']);
      return new Response(JSON.stringify({ login: true }), { status: 200 });
    }) as typeof fetch;
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => undefined);
    m = await mountWithSnapshot(<LogoutButton />);
    await settle();
    const button = m.container.querySelector('[data-testid="logout-button"]') as HTMLButtonElement;
    expect(button).not.toBeNull();
    await act(async () => button.click());
    await settle();
    expect(asked).toEqual([['/session', 'GET'], ['/logout', 'POST']]);
    expect(assign).toHaveBeenCalledWith('/login');
  });
});
