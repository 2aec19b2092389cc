/**
 * Issue 4: a magnet link with no tracker and no x.pe — the DHT is the only way to the seeder.
 *
 *   B  libtorrent DHT node on 127.0.0.1 used as the bootstrap (dht_bootstrap_nodes '';
 *      e2e/interop/lt_dht_node.py, settings per e2e/support/README.md)
 *   S  libtorrent seeder with DHT, bootstrapping from B, announcing its torrent
 *   T  `tessera download 'magnet:?xt=urn:btih:H' --dir D --dht-bootstrap B --json`: no --peer,
 *      no tr, no x.pe
 *
 * Checks: B returns S for get_peers (so S announced: the test waits for that, not for a
 * fixed time); T fetches the metadata and the content byte-identical; S saw T connect; and
 * T announced itself on the DHT (B's get_peers for H then also lists a second peer).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk,
  assertSameFile,
  Cleanup,
  createTorrent,
  freePort,
  ManagedProcess,
  PYTHON,
  requireBuiltCli,
  requireTool,
  startLtSeeder,
  tesseraDownload,
  writeRandomFile,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';
import { pollFor, sleep } from '../support/test-utils.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SIZE = 5 * 1024 * 1024 + 99;
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let bootstrap: ManagedProcess;
let bootstrapAddress = '';
let seeder: LtSeeder;

/** Asks B (libtorrent) for the peers of `infoHash`; one dht_get_peers lookup. */
async function dhtPeers(infoHash: string): Promise<string[]> {
  const from = bootstrap.lines.length;
  bootstrap.child.stdin?.write(`${JSON.stringify({ cmd: 'get_peers', infoHash })}\n`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const line of bootstrap.lines.slice(from)) {
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as { event?: string; infoHash?: string; peers?: string[] };
      if (e.event === 'peers' && e.infoHash === infoHash) return e.peers ?? [];
    }
    if (bootstrap.exitInfo) throw new Error(`the DHT bootstrap node exited.\n${bootstrap.describe()}`);
    await sleep(50);
  }
  throw new Error(`the DHT bootstrap node did not answer get_peers in 30 s.\n${bootstrap.describe()}`);
}

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  root = await cleanup.tempDir('magnet-dht');
  await writeRandomFile(join(root, 'src', 'dht-only.bin'), SIZE, 'magnet-dht');
  torrent = await createTorrent({ path: join(root, 'src', 'dht-only.bin'), out: join(root, 'dht-only.torrent'), pieceLength: 64 * 1024 });

  bootstrap = new ManagedProcess(PYTHON, [join(HERE, 'lt_dht_node.py'), '--listen', '127.0.0.1:0', '--dht-bootstrap', ''], { label: 'lt_dht_bootstrap' });
  cleanup.add(() => bootstrap.stop());
  const ready = JSON.parse((await bootstrap.waitForLine(/^READY /, 60_000)).slice('READY '.length)) as { port: number };
  bootstrapAddress = `127.0.0.1:${ready.port}`;

  seeder = await startLtSeeder(cleanup, {
    torrents: [torrent.torrentPath],
    save: join(root, 'src'),
    dht: true,
    dhtBootstrap: [bootstrapAddress],
    logAlerts: true,
    statusInterval: 0.5,
    // ~2.5 s of download: time for Tessera's lookup to end and its announce_peer to follow.
    uploadLimit: 2 * 1024 * 1024,
  });
  // S's announce reached B: the seeder is findable on the DHT.
  await pollFor(`B lists the seeder ${seeder.address} for ${torrent.infoHash}`, 90_000, async () =>
    (await dhtPeers(torrent.infoHash)).includes(seeder.address) ? true : null,
  );
});
afterAll(() => cleanup.run());

describe('magnet with neither tracker nor x.pe', () => {
  it('finds the libtorrent seeder through the DHT, fetches metadata then content, byte-identical', async () => {
    const magnet = `magnet:?xt=urn:btih:${torrent.infoHash}`;
    const dir = join(root, 'dl');
    const port = await freePort('127.0.0.1');
    const r = await tesseraDownload({
      torrent: magnet,
      dir,
      peers: [],
      port,
      configHome: join(root, 'home'),
      extraArgs: ['--dht-bootstrap', bootstrapAddress, '--verbose'],
      timeoutMs: 120_000,
    });
    assertDownloadOk(r, { torrent, peers: 1, hashFailures: 0, exactDownloaded: true });
    await assertSameFile(join(root, 'src', 'dht-only.bin'), join(dir, 'dht-only.bin'));
    expect(seeder.proc.jsonLines().some((l) => l.type === 'incoming_connection_alert')).toBe(true);
    // Tessera also announced itself: B now hands out its TCP port for H too.
    expect(await dhtPeers(torrent.infoHash)).toContain(`127.0.0.1:${port}`);
  });
});
