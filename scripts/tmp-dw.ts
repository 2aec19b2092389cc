import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { DiskWorkers } from '../electron/engine/storage/disk-workers.js';
const direct = process.argv[2] !== '0';
const pieceLen = Number(process.argv[3] ?? 16384), batch = Number(process.argv[4] ?? 8);
const total = 256 * 1024 * 1024;
const w = new DiskWorkers(2, direct);
const fd = fs.openSync('/tmp/dwtest.bin', 'w+');
const src = Buffer.allocUnsafeSlow(pieceLen).fill(5);
const hash = createHash('sha1').update(src).digest();
const pool: Buffer[] = [];
const take = () => pool.pop() ?? Buffer.from(Buffer.allocUnsafeSlow(pieceLen).fill(5).buffer);
const c0 = process.cpuUsage(); const t0 = performance.now();
let pos = 0; const inflight = new Set<Promise<void>>();
while (pos < total) {
  const pieces = [];
  for (let i = 0; i < batch && pos < total; i++, pos += pieceLen) pieces.push({ buffer: take(), expected: hash, writes: [{ fd, bufferOffset: 0, length: pieceLen, position: pos }] });
  const p = w.runBatch(pieces).then((r) => { for (const x of r) { if (!x.ok) throw new Error('bad'); pool.push(x.buffer); } });
  inflight.add(p); void p.finally(() => inflight.delete(p));
  if (inflight.size >= 2) await Promise.race(inflight);
}
await Promise.all(inflight);
const c = process.cpuUsage(c0);
console.log(`direct=${direct} piece=${pieceLen} batch=${batch}: ${(performance.now() - t0).toFixed(0)} ms, user ${(c.user / 1e6).toFixed(2)} sys ${(c.system / 1e6).toFixed(2)}, directBytes ${w.directBytesWritten}`);
await w.close(); fs.closeSync(fd); fs.rmSync('/tmp/dwtest.bin');
