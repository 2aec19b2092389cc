/** Well-known Azureus-style peer id prefixes ("-LT2080-" → libtorrent 2.0.8). */
const CLIENTS: Record<string, string> = {
  LT: 'libtorrent',
  lt: 'libTorrent (rakshasa)',
  qB: 'qBittorrent',
  TR: 'Transmission',
  UT: 'µTorrent',
  AR: 'aria2',
  WW: 'WebTorrent',
  DE: 'Deluge',
  BI: 'BiglyBT',
  AZ: 'Vuze',
  TE: 'Tessera', // TS is TorrentStorm in libtorrent's table
};

/** A readable client name: the extension handshake's `v` if given, else decoded from the peer id. */
export function clientName(peerId: Uint8Array | null, advertised: string | null): string {
  if (advertised) return [...advertised].filter((ch) => ch >= ' ' && ch !== '\x7f').join('').slice(0, 64);
  if (!peerId || peerId.length < 8) return 'unknown';
  const id = Buffer.from(peerId).toString('latin1');
  if (id[0] === '-' && id[7] === '-') {
    const name = CLIENTS[id.slice(1, 3)] ?? id.slice(1, 3);
    const version = id.slice(3, 7).replace(/[^0-9A-Za-z]/g, '').split('').join('.');
    return `${name} ${version}`;
  }
  if (id.startsWith('A2-')) return 'aria2';
  return 'unknown';
}
