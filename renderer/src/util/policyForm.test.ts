import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../shared/contract/index.js';
import { policyForm, policyPatch } from './policyForm.js';

const settings: Settings = {
  downloadDir: '/d', listenPort: 1, maxPeersPerTorrent: 5, notifyOnComplete: true, downloadLimit: 0, uploadLimit: 0, encryption: 'allow', confirmAdd: true,
};

describe('policy form', () => {
  it('a settings file without these parts shows the defaults and saves them unchanged', () => {
    const r = policyPatch(policyForm(settings));
    expect(r).toEqual({
      ok: true,
      patch: {
        queueing: { enabled: false, maxActiveDownloads: 3, maxActiveUploads: 3, maxActiveTorrents: 5, ignoreSlowTorrents: true },
        seedingLimits: { ratio: -1, minutes: -1, action: 'pause' },
        categories: [],
        altSpeed: { active: false, downloadLimit: 10240, uploadLimit: 10240, scheduled: false, days: [0, 1, 2, 3, 4, 5, 6], from: 480, to: 1200 },
        watchFolder: { enabled: false, folder: 'watch' },
      },
    });
  });

  it('reads what was typed: unlimited counts, a ratio, a schedule, categories with a default folder', () => {
    const f = policyForm(settings);
    const r = policyPatch({
      ...f, queueEnabled: true, maxDownloads: '2', maxUploads: '', maxTorrents: '-1',
      ratio: { choice: 'value', text: '1.5' }, action: 'remove',
      categories: [{ name: 'Films', folder: '' }, { name: 'TV', folder: '/video/tv/' }],
      altScheduled: true, altDays: [false, true, true, true, true, true, false], altFrom: '22:30', altTo: '6:00',
    });
    expect(r.ok && r.patch.queueing).toMatchObject({ enabled: true, maxActiveDownloads: 2, maxActiveUploads: -1, maxActiveTorrents: -1 });
    expect(r.ok && r.patch.seedingLimits).toEqual({ ratio: 1.5, minutes: -1, action: 'remove' });
    expect(r.ok && r.patch.categories).toEqual([{ name: 'Films', folder: 'Films' }, { name: 'TV', folder: 'video/tv' }]);
    expect(r.ok && r.patch.altSpeed).toMatchObject({ scheduled: true, days: [1, 2, 3, 4, 5], from: 1350, to: 360 });
  });

  it('names the first problem', () => {
    const f = policyForm(settings);
    expect(policyPatch({ ...f, maxDownloads: 'many' })).toMatchObject({ ok: false, problem: expect.stringContaining('Active downloads') });
    expect(policyPatch({ ...f, altFrom: '25:00' })).toMatchObject({ ok: false, problem: expect.stringContaining('HH:MM') });
    expect(policyPatch({ ...f, categories: [{ name: 'a', folder: '../x' }] })).toMatchObject({ ok: false, problem: expect.stringContaining('Categories') });
    expect(policyPatch({ ...f, watchFolder: '../up' })).toMatchObject({ ok: false, problem: expect.stringContaining('watch folder') });
    expect(policyPatch({ ...f, ratio: { choice: 'value', text: '-3' } })).toMatchObject({ ok: false, problem: expect.stringContaining('ratio') });
  });
});
