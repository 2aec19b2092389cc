import { Cleanup, createTorrent, startLtSeeder, writeRandomFile } from '../e2e/support/index.js';
const cleanup = new Cleanup();
const mib = Number(process.argv[2] ?? 256), piece = Number(process.argv[3] ?? 16384);
await writeRandomFile('/tmp/sb/src/x.bin', mib * 1024 * 1024, 'x');
const t = await createTorrent({ path: '/tmp/sb/src/x.bin', out: '/tmp/sb/x.torrent', pieceLength: piece });
const seeder = await startLtSeeder(cleanup, { torrents: [t.torrentPath], save: '/tmp/sb/src', readyTimeoutMs: 600_000 });
console.log('SEEDER', seeder.address);
process.on('SIGTERM', () => void cleanup.run().then(() => process.exit(0)));
setInterval(() => {}, 1 << 30);
