/**
 * Issue 12 item 4 / BEP 27: a private torrent gets peers from its trackers only — Tessera
 * never announces it by LSD nor on the DHT. Two network namespaces on one veth pair:
 *
 *   A (10.77.0.1)  two `tessera seed` processes with LSD on and the DHT bootstrapped from B:
 *                  one seeds a PRIVATE torrent, the other (started after it) a public one.
 *   B (10.77.0.2)  a multicast listener on the LSD group and a libtorrent DHT node.
 *
 * The public torrent is the control: once B has heard its LSD announce three times (the
 * first and both repeats) and the DHT node got its announce_peer, the private seed —
 * started earlier — had every chance to do the same. Neither may name the private info-hash.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, createTorrent, ManagedProcess, PYTHON, REPO_ROOT, requireBuiltCli, requireTool, tesseraEnv, writeRandomFile, type TorrentInfo } from '../support/index.js';
import { createLan, inNamespace, type Lan } from '../support/netns.js';

const cleanup = new Cleanup();
let root = '';
let priv: TorrentInfo;
let pub: TorrentInfo;
let lan: Lan;

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  root = await cleanup.tempDir('private');
  await writeRandomFile(join(root, 'src', 'private.bin'), 128 * 1024, 'private');
  await writeRandomFile(join(root, 'src', 'public.bin'), 128 * 1024, 'public');
  priv = await createTorrent({ path: join(root, 'src', 'private.bin'), out: join(root, 'private.torrent'), pieceLength: 16 * 1024, private: true });
  pub = await createTorrent({ path: join(root, 'src', 'public.bin'), out: join(root, 'public.torrent'), pieceLength: 16 * 1024 });
  lan = createLan(cleanup, 'pv');
});
afterAll(() => cleanup.run());

function start(ns: string, command: string, args: string[], label: string, env?: NodeJS.ProcessEnv): ManagedProcess {
  const [cmd, argv] = inNamespace(ns, command, args);
  const proc = new ManagedProcess(cmd, argv, { cwd: REPO_ROOT, label, ...(env ? { env } : {}) });
  cleanup.add(() => proc.stop());
  return proc;
}

describe('a private torrent', () => {
  it('is announced neither by LSD nor on the DHT, while a public one is', async () => {
    const listener = start(lan.host, PYTHON, [join(REPO_ROOT, 'e2e', 'interop', 'lt_lsd_listen.py'), '--interface', lan.hostAddress], 'lsd listener');
    await listener.waitForLine(/"event":"ready"/, 30_000);
    const dht = start(lan.host, PYTHON, [join(REPO_ROOT, 'e2e', 'interop', 'lt_dht_node.py'), '--listen', `${lan.hostAddress}:0`], 'lt dht node');
    const dhtPort = (JSON.parse((await dht.waitForLine(/^READY /, 60_000)).slice('READY '.length)) as { port: number }).port;

    const seed = (t: TorrentInfo, label: string): ManagedProcess =>
      start(
        lan.gateway,
        process.execPath,
        [requireBuiltCli(), 'seed', t.torrentPath, '--dir', join(root, 'src'), '--state-dir', join(root, `state-${label}`), '--port', '0', '--dht-bootstrap', `${lan.hostAddress}:${dhtPort}`, '--json'],
        `tessera seed (${label})`,
        tesseraEnv(join(root, `home-${label}`), { TESSERA_LSD: '1', TESSERA_DHT_BOOTSTRAP: `${lan.hostAddress}:${dhtPort}` }),
      );
    const privateSeed = seed(priv, 'private');
    await privateSeed.waitForLine(/^\{"event":"ready"/, 60_000);
    const publicSeed = seed(pub, 'public');
    await publicSeed.waitForLine(/^\{"event":"ready"/, 60_000);

    const namesPublic = (l: Record<string, unknown>): boolean => l.event === 'lsd' && String(l.text).toLowerCase().includes(`infohash: ${pub.infoHash}`);
    await waitUntil(() => listener.jsonLines().filter(namesPublic).length >= 3, 'three LSD announces of the public torrent', listener);
    await dht.waitForLine(new RegExp(`"event":"incoming_announce","infoHash":"${pub.infoHash}"`), 120_000);

    const lsd = listener.jsonLines().filter((l) => l.event === 'lsd');
    expect(lsd.some((l) => String(l.text).toLowerCase().includes(priv.infoHash))).toBe(false);
    expect(dht.jsonLines().some((l) => l.event === 'incoming_announce' && l.infoHash === priv.infoHash)).toBe(false);
  });
});

async function waitUntil(ok: () => boolean, what: string, proc: ManagedProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms\n${proc.describe()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
