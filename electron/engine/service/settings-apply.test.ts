import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../shared/contract/index.js';
import { FakeSession } from './fake-session.js';
import { applySettingsPatch, peerSourcesOf, pushPeerSources, pushSettingsToSession } from './settings-apply.js';

const base: Settings = { downloadDir: '/d', listenPort: 6881, maxPeersPerTorrent: 50, notifyOnComplete: true, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: true };

describe('settings', () => {
  it('a patch replaces only the fields it names', () => {
    expect(applySettingsPatch(base, { uploadLimit: 1024, encryption: 'require' })).toEqual({ ...base, uploadLimit: 1024, encryption: 'require' });
    expect(applySettingsPatch(base, { confirmAdd: false })).toEqual({ ...base, confirmAdd: false });
    expect(applySettingsPatch(base, {})).toEqual(base);
  });

  it('pushes everything at startup and only what changed later', () => {
    const session = new FakeSession();
    let limitCalls = 0;
    const setRateLimits = session.setRateLimits.bind(session);
    session.setRateLimits = (l) => {
      limitCalls++;
      setRateLimits(l);
    };
    pushSettingsToSession(session, { ...base, maxPeersPerTorrent: 9, encryption: 'disable', downloadLimit: 100 }, null);
    expect([limitCalls, session.maxPeersPerTorrent, session.encryption, session.rateLimits().download]).toEqual([1, 9, 'disable', 100]);
    const previous = { ...base, maxPeersPerTorrent: 9, encryption: 'disable' as const, downloadLimit: 100 };
    pushSettingsToSession(session, { ...previous, listenPort: 7000 }, previous);
    expect(limitCalls).toBe(1);
    pushSettingsToSession(session, { ...previous, uploadLimit: 5 }, previous);
    expect([limitCalls, session.rateLimits()]).toEqual([2, { download: 100, upload: 5 }]);
  });

  it('the global connection maximum: applied at startup (500 when absent), pushed when it changes', () => {
    const session = new FakeSession();
    session.maxConnections = 7;
    pushSettingsToSession(session, base, null);
    expect(session.maxConnections).toBe(500);
    expect(applySettingsPatch(base, { maxConnections: 1200 })).toEqual({ ...base, maxConnections: 1200 });
    pushSettingsToSession(session, { ...base, maxConnections: 1200 }, base);
    expect(session.maxConnections).toBe(1200);
  });

  it('the per-address connection cap: applied at startup (2 when absent), pushed when it changes', () => {
    const session = new FakeSession();
    session.maxConnectionsPerIp = 99;
    pushSettingsToSession(session, base, null);
    expect(session.maxConnectionsPerIp).toBe(2);
    expect(applySettingsPatch(base, { maxConnectionsPerIp: 0 })).toEqual({ ...base, maxConnectionsPerIp: 0 });
    pushSettingsToSession(session, { ...base, maxConnectionsPerIp: 0 }, base);
    expect(session.maxConnectionsPerIp).toBe(0);
  });

  it('the privacy switches: absent = on; all pushed at startup, later only when one changed', async () => {
    expect(peerSourcesOf(base)).toEqual({ dht: true, pex: true, lsd: true, portMapping: true });
    expect(applySettingsPatch(base, { dht: false, pex: false })).toEqual({ ...base, dht: false, pex: false });
    const session = new FakeSession();
    const pushed: unknown[] = [];
    session.setPeerSources = async (s) => void pushed.push(s);
    await pushPeerSources(session, { ...base, lsd: false }, null);
    await pushPeerSources(session, { ...base, lsd: false, listenPort: 1 }, { ...base, lsd: false });
    await pushPeerSources(session, { ...base, lsd: false, portMapping: false }, { ...base, lsd: false });
    expect(pushed).toEqual([
      { dht: true, pex: true, lsd: false, portMapping: true },
      { dht: true, pex: true, lsd: false, portMapping: false },
    ]);
  });
});
