import { describe, expect, it } from 'vitest';
import { exportSaveDialogOptions, isOwnExportDownload } from './download-policy.js';

describe('download policy (Electron will-download)', () => {
  it("lets through only blob: URLs our own page made", () => {
    expect(isOwnExportDownload('blob:tessera://app/5b0c1c9e-1f7a-4c55-9d0e-3f2a1b4c5d6e')).toBe(true);
    for (const url of [
      'https://example.com/file.torrent',
      'tessera://app/index.html',
      'blob:https://example.com/5b0c1c9e',
      'blob:tessera://evil/5b0c1c9e',
      'blob:tessera://app.evil/5b0c',
      'blob:tessera://app/../x/y',
      'data:application/x-bittorrent;base64,ZGU=',
      '',
    ]) {
      expect(isOwnExportDownload(url), url).toBe(false);
    }
  });

  it('offers the chosen name in a .torrent save dialog, without path separators', () => {
    expect(exportSaveDialogOptions('ubuntu.iso.torrent')).toEqual({
      title: 'Save .torrent',
      defaultPath: 'ubuntu.iso.torrent',
      filters: [{ name: 'Torrent files', extensions: ['torrent'] }],
    });
    expect(exportSaveDialogOptions('../../etc/passwd.torrent').defaultPath).toBe('.._.._etc_passwd.torrent');
    expect(exportSaveDialogOptions('').defaultPath).toBe('torrent.torrent');
  });
});
