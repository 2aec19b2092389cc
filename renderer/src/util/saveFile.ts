/**
 * Saving bytes the engine sent as a file on the user's machine: a Blob and an <a download>
 * click. The web host's browser saves it in its downloads; the Electron shell lets only these
 * blob: downloads through, behind its native save dialog (electron/app/download-policy.ts).
 */

/** Characters no file system (Windows the strictest) accepts in a name, and control characters. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[<>:"/\\|?*\u0000-\u001f\u007f]/g;
/** Windows refuses these names whatever the extension. */
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** `<name>.torrent` with a name safe on every system: no separators or reserved names, not empty, not too long. */
export function torrentFileName(name: string): string {
  let base = name.replace(UNSAFE, '_').replace(/^[\s.]+|[\s.]+$/g, '');
  if (base.length > 200) base = base.slice(0, 200).replace(/[\s.]+$/, '');
  if (base === '' || RESERVED.test(base)) base = base === '' ? 'torrent' : `_${base}`;
  return `${base}.torrent`;
}

/** Hands `bytes` to the browser as a download named `fileName`. */
/** (Copied into a fresh ArrayBuffer: a Blob takes no view of a SharedArrayBuffer.) */
export function saveBytes(bytes: Uint8Array, fileName: string, type = 'application/x-bittorrent'): void {
  const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    // The click has started the download; the URL can go once the browser has read it.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}
