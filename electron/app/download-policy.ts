/**
 * Which downloads the Electron shell lets through: only the .torrent files the renderer saves
 * itself (Export .torrent, and the .torrent Create torrent made: a blob: URL our own page made),
 * never a navigation or a link to anywhere else. Those go behind the native save dialog
 * (main.ts sets its options).
 */
import { APP_ORIGIN } from './shell-logic.js';

/** A blob: URL created by our own page (`blob:tessera://app/<uuid>`). */
export function isOwnExportDownload(url: string): boolean {
  const prefix = `blob:${APP_ORIGIN}/`;
  return url.startsWith(prefix) && !url.slice(prefix.length).includes('/');
}

/** The save dialog for an allowed download: the file name the page chose, .torrent filter. */
export function exportSaveDialogOptions(fileName: string): { title: string; defaultPath: string; filters: Array<{ name: string; extensions: string[] }> } {
  // The page sanitised the name; a path separator here would still not leave the default folder.
  const safe = fileName.replace(/[/\\]/g, '_') || 'torrent.torrent';
  return { title: 'Save .torrent', defaultPath: safe, filters: [{ name: 'Torrent files', extensions: ['torrent'] }] };
}
