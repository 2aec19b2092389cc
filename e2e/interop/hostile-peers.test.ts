/**
 * Issue 2, test 5: one honest libtorrent seeder plus one hostile peer per mode. The download
 * must complete byte-identical, and Tessera must drop the hostile peer: the hostile peer
 * records that the other side closed each connection it misbehaved on, while Tessera was
 * still running (not merely because the process exited).
 *
 * The honest seeder is rate-limited so that each download takes a few seconds: long enough
 * for the hostile peer to act and be dropped well before the end.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDownloadOk,
  assertSameFile,
  Cleanup,
  createTorrent,
  describeRun,
  HostilePeer,
  requireBuiltCli,
  startLtSeeder,
  tesseraDownload,
  writeRandomFile,
  type BitfieldVariant,
  type DownloadResult,
  type HostileMode,
  type LtSeeder,
  type TorrentInfo,
} from '../support/index.js';

const SIZE = 2_000_000; // 123 pieces of 16 KiB: 5 spare bits in the bitfield's last byte
const HONEST_RATE = 500_000; // bytes/s from the honest seeder: ~4 s per download
/** A misbehaving connection must be closed this soon after the act… */
const DROP_WITHIN_MS = 2000;
/** …and this long before Tessera exits (so not merely by finishing and closing everything). */
const BEFORE_EXIT_MS = 500;
const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let seeder: LtSeeder;
let hostile: HostilePeer | null = null;
let run = 0;

beforeAll(async () => {
  requireBuiltCli();
  root = await cleanup.tempDir('hostile');
  await writeRandomFile(join(root, 'src', 'target.bin'), SIZE, 'hostile');
  torrent = await createTorrent({ path: join(root, 'src', 'target.bin'), out: join(root, 'target.torrent'), pieceLength: 16 * 1024 });
  seeder = await startLtSeeder(cleanup, { torrents: [torrent.torrentPath], save: join(root, 'src'), uploadLimit: HONEST_RATE });
});
afterEach(async () => {
  await hostile?.close();
  hostile = null;
});
afterAll(() => cleanup.run());

async function downloadWithHostile(mode: HostileMode, bitfieldVariant?: BitfieldVariant): Promise<{ r: DownloadResult; bad: HostilePeer }> {
  hostile = await HostilePeer.listen({ mode, torrent, bitfieldVariant, fallbackMs: 1000 });
  const bad = hostile;
  const dir = join(root, `dl-${++run}-${mode}`);
  // The hostile peer first, so Tessera meets it early.
  const r = await tesseraDownload({ torrent: torrent.torrentPath, dir, peers: [bad.address, seeder.address], configHome: join(root, `home-${run}`), timeoutMs: 120_000 });
  await assertSameFile(join(root, 'src', 'target.bin'), join(dir, 'target.bin'));
  return { r, bad };
}

/**
 * Every connection the hostile peer misbehaved on was closed by Tessera promptly, while the
 * download was still running: not kept until the end and closed with everything else.
 */
function assertDropped(r: DownloadResult, bad: HostilePeer): void {
  const story = `hostile peer connections:\n${bad.describe() || '(none)'}\n${describeRun(r)}`;
  const acted = bad.connections.filter((c) => c.misbehavedAt !== null);
  expect(acted.length, `Tessera never got to see the misbehaviour.\n${story}`).toBeGreaterThanOrEqual(1);
  for (const c of acted) {
    expect(c.closedBy, `connection #${c.id} was not closed by Tessera.\n${story}`).toBe('remote');
    expect(c.closedAt, `connection #${c.id} still open.\n${story}`).not.toBeNull();
    const closedAt = c.closedAt ?? Infinity;
    const actedAt = c.misbehavedAt ?? 0;
    expect(closedAt - actedAt, `connection #${c.id} was not dropped within ${DROP_WITHIN_MS} ms of the misbehaviour.\n${story}`).toBeLessThanOrEqual(DROP_WITHIN_MS);
    expect(closedAt, `connection #${c.id} was only closed as Tessera finished (exit at +${r.exit.at - c.openedAt}ms).\n${story}`).toBeLessThan(r.exit.at - BEFORE_EXIT_MS);
  }
}

describe('hostile peers next to an honest libtorrent seeder', () => {
  it('oversize-frame: a length prefix over 1 MiB ends that connection', async () => {
    const { r, bad } = await downloadWithHostile('oversize-frame');
    assertDownloadOk(r, { torrent, peers: { min: 1 }, hashFailures: 0 });
    assertDropped(r, bad);
  });

  for (const variant of ['spare-bits', 'too-long', 'too-short'] as const) {
    it(`wrong-bitfield (${variant}) ends that connection`, async () => {
      const { r, bad } = await downloadWithHostile('wrong-bitfield', variant);
      assertDownloadOk(r, { torrent, peers: { min: 1 }, hashFailures: 0 });
      assertDropped(r, bad);
    });
  }

  it('corrupt-data: pieces fail the hash, the peer is dropped, the download still completes', async () => {
    const { r, bad } = await downloadWithHostile('corrupt-data');
    assertDownloadOk(r, { torrent, peers: { min: 1 }, hashFailures: { min: 1 } });
    assertDropped(r, bad);
  });

  it('unrequested-piece: a block that was never requested ends that connection', async () => {
    const { r, bad } = await downloadWithHostile('unrequested-piece');
    assertDownloadOk(r, { torrent, peers: { min: 1 } });
    assertDropped(r, bad);
  });

  it('garbage-handshake: a reply that is not a handshake ends that connection', async () => {
    const { r, bad } = await downloadWithHostile('garbage-handshake');
    assertDownloadOk(r, { torrent, peers: { min: 1 }, hashFailures: 0 });
    assertDropped(r, bad);
  });
});
