/**
 * Issue 12 item 4: Local Service Discovery (BEP 14) between two network namespaces on one
 * veth pair — the multicast group 239.192.152.143:6771 crosses it. Peers find each other
 * with no tracker, no DHT and no --peer, in both directions:
 *
 *   1. libtorrent (enable_lsd) seeds in namespace A; `tessera download` in namespace B finds it.
 *   2. `tessera seed` in namespace A; a libtorrent leecher in namespace B that never announces
 *      itself finds it (so this direction checks Tessera's announce).
 *
 * Traffic stays inside the namespaces this test creates (deleted afterwards, also on failure).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSameFile, Cleanup, createTorrent, ManagedProcess, PYTHON, REPO_ROOT, requireBuiltCli, requireTool, runToEnd, tesseraEnv, writeRandomFile, type TorrentInfo } from '../support/index.js';
import { createLan, inNamespace, type Lan } from '../support/netns.js';

const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let lan: Lan;
const LT_PEER = join(REPO_ROOT, 'e2e', 'interop', 'lt_lsd_peer.py');

beforeAll(async () => {
  requireTool('libtorrent');
  requireBuiltCli();
  root = await cleanup.tempDir('lsd');
  await writeRandomFile(join(root, 'seed', 'lsd.bin'), 3 * 1024 * 1024 + 517, 'lsd');
  torrent = await createTorrent({ path: join(root, 'seed', 'lsd.bin'), out: join(root, 'lsd.torrent'), pieceLength: 64 * 1024 });
  lan = createLan(cleanup, 'lsd');
});
afterAll(() => cleanup.run());

function ltPeer(ns: string, listen: string, save: string, seed: boolean, noAnnounce = false): ManagedProcess {
  const [cmd, args] = inNamespace(ns, PYTHON, [LT_PEER, '--torrent', torrent.torrentPath, '--save', save, '--listen', listen, ...(seed ? ['--seed'] : []), ...(noAnnounce ? ['--no-announce'] : [])]);
  const proc = new ManagedProcess(cmd, args, { label: `lt-lsd ${seed ? 'seed' : 'leech'}` });
  cleanup.add(() => proc.stop());
  return proc;
}

/** Tessera with LSD on (the harness turns it off by default) and nothing else to find peers. */
function tesseraArgs(ns: string, args: string[]): [string, string[]] {
  return inNamespace(ns, process.execPath, [requireBuiltCli(), ...args]);
}

describe('LSD between Tessera and libtorrent on one LAN', () => {
  it('Tessera downloads from a libtorrent seed it found by LSD only', async () => {
    const seed = ltPeer(lan.gateway, `${lan.gatewayAddress}:6881`, join(root, 'seed'), true);
    await seed.waitForLine(/"event":"ready"/, 30_000);
    const dir = join(root, 'tessera-down');
    const [cmd, args] = tesseraArgs(lan.host, ['download', torrent.torrentPath, '--dir', dir, '--state-dir', join(root, 'state-1'), '--no-dht', '--port', '0', '--json', '--verbose']);
    const r = await runToEnd(cmd, args, { timeoutMs: 180_000, env: tesseraEnv(join(root, 'home-1'), { TESSERA_LSD: '1' }), label: 'tessera download (LSD)' });
    expect(r.exit.code, `${r.stderr.slice(-3000)}`).toBe(0);
    await assertSameFile(join(root, 'seed', 'lsd.bin'), join(dir, 'lsd.bin'));
    // libtorrent announces, Tessera heard it and dialled: the connection came from the host namespace.
    const sawTessera = seed.jsonLines().some((l) => l.event === 'status' && Array.isArray(l.peers) && (l.peers as Array<{ ip: string }>).some((p) => p.ip.startsWith(`${lan.hostAddress}:`)));
    expect(sawTessera, seed.describe()).toBe(true);
    await seed.stop();
  });

  it('a libtorrent leecher finds a Tessera seed by LSD only', async () => {
    const [cmd, args] = tesseraArgs(lan.gateway, ['seed', torrent.torrentPath, '--dir', join(root, 'seed'), '--state-dir', join(root, 'state-2'), '--no-dht', '--port', '0', '--json']);
    const seed = new ManagedProcess(cmd, args, { env: tesseraEnv(join(root, 'home-2'), { TESSERA_LSD: '1' }), label: 'tessera seed (LSD)' });
    cleanup.add(() => seed.stop());
    const ready = JSON.parse(await seed.waitForLine(/^\{"event":"ready"/, 120_000)) as { port: number };
    const leech = ltPeer(lan.host, `${lan.hostAddress}:6881`, join(root, 'lt-down'), false, true);
    await leech.waitForLine(/"event":"done"/, 180_000);
    await assertSameFile(join(root, 'seed', 'lsd.bin'), join(root, 'lt-down', 'lsd.bin'));
    // The leecher never announces (so Tessera cannot dial it): it dialled the port Tessera's
    // announce named, and libtorrent marks that peer as found by LSD.
    const fromLsd = leech.jsonLines().some((l) => l.event === 'status' && Array.isArray(l.peers) && (l.peers as Array<{ ip: string; lsd: boolean }>).some((p) => p.ip === `${lan.gatewayAddress}:${ready.port}` && p.lsd));
    expect(fromLsd, leech.describe()).toBe(true);
  });
});
