/**
 * LEDBAT's point, measured (issue 12, "Yielding"): on a link shaped to a few MB/s, a uTP
 * transfer takes the link alone and gives way to a competing TCP transfer.
 *
 *   sudo npx tsx scripts/utp-yield.ts [--rate-mbit 32] [--seconds 12]
 *
 * Two network namespaces joined by a veth pair (e2e/support/netns.ts); the gateway side's
 * egress is shaped with `tc qdisc … tbf` (queue of 400 ms, so TCP can build the queuing delay
 * LEDBAT reacts to). `tessera seed` runs in the gateway namespace and sends over uTP to a
 * uTP-only libtorrent leecher in the other namespace: Tessera's LEDBAT is the one measured.
 * Phase 1: uTP alone. Phase 2: plus a bulk TCP stream over the same link. Prints the rates
 * and shares. Needs root. A report, not a test: shares depend on the machine's load.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Cleanup, createTorrent, ManagedProcess, PYTHON, requireBuiltCli, supportScript, tesseraEnv, writeRandomFile } from '../e2e/support/index.js';
import { createLan, inNamespace } from '../e2e/support/netns.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RATE_MBIT = opt('--rate-mbit', 32);
const PHASE_S = opt('--seconds', 12);
const WARMUP_S = 4;
const MiB = 1024 * 1024;

const RECEIVER = `
const net = require('node:net');
let bytes = 0;
net.createServer((s) => s.on('data', (c) => { bytes += c.length; })).listen(9000, process.argv[1], () => console.log('READY'));
setInterval(() => console.log(JSON.stringify({ t: Date.now(), bytes })), 500);
`;
const SENDER = `
const net = require('node:net');
const chunk = Buffer.alloc(256 * 1024, 7);
const s = net.connect(9000, process.argv[1], () => { const go = () => { while (s.write(chunk)); }; s.on('drain', go); go(); });
s.on('error', () => process.exit(0));
`;

function log(m: string): void {
  process.stderr.write(`[utp-yield] ${m}\n`);
}

/** Bytes the leecher reported at about `at` (ms since its start), from its progress lines. */
function progressAt(proc: ManagedProcess, seconds: number): number {
  let best = 0;
  for (const l of proc.jsonLines()) if (l.event === 'progress' && typeof l.seconds === 'number' && l.seconds <= seconds) best = Number(l.bytes);
  return best;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const root = await cleanup.tempDir('utp-yield');
    const size = Math.ceil((RATE_MBIT / 8) * MiB * PHASE_S * 2.5);
    await writeRandomFile(join(root, 'seed', 'y.bin'), size, 'yield');
    const t = await createTorrent({ path: join(root, 'seed', 'y.bin'), out: join(root, 'y.torrent'), pieceLength: MiB });
    const lan = createLan(cleanup, 'yield');
    execFileSync('ip', ['netns', 'exec', lan.gateway, 'tc', 'qdisc', 'add', 'dev', lan.gatewayIf, 'root', 'tbf', 'rate', `${RATE_MBIT}mbit`, 'burst', '64kb', 'limit', String(Math.round((RATE_MBIT / 8) * 1e6 * 0.4))]);
    log(`link ${lan.gatewayAddress} → ${lan.hostAddress} shaped to ${RATE_MBIT} Mbit/s (${(RATE_MBIT / 8).toFixed(1)} MB/s), ${(size / MiB).toFixed(0)} MiB to send`);

    const [scmd, sargs] = inNamespace(lan.gateway, process.execPath, [requireBuiltCli(), 'seed', t.torrentPath, '--dir', join(root, 'seed'), '--port', '6881', '--state-dir', join(root, 'seed-state')]);
    const seed = new ManagedProcess(scmd, sargs, { label: 'tessera seed', env: tesseraEnv(join(root, 'seed-home')), echo: Boolean(process.env.UTP_YIELD_ECHO) });
    cleanup.add(() => seed.stop());
    await seed.waitForLine(/^seeding /, 120_000);

    const [rcmd, rargs] = inNamespace(lan.host, process.execPath, ['-e', RECEIVER, lan.hostAddress]);
    const receiver = new ManagedProcess(rcmd, rargs, { label: 'tcp receiver' });
    cleanup.add(() => receiver.stop());
    await receiver.waitForLine(/^READY/, 30_000);

    const [lcmd, largs] = inNamespace(lan.host, PYTHON, [
      supportScript('lt_leech.py'), '--torrent', t.torrentPath, '--save', join(root, 'leech'), '--listen', `${lan.hostAddress}:0`,
      '--utp', '--setting', 'enable_outgoing_tcp=false', '--setting', 'enable_incoming_tcp=false',
      '--peer', `${lan.gatewayAddress}:6881`, '--progress-interval', '0.5', '--timeout', String(PHASE_S * 6),
    ]);
    const leech = new ManagedProcess(lcmd, largs, { label: 'lt leech (uTP only)' });
    cleanup.add(() => leech.stop());
    await leech.waitForLine(/^LISTEN /, 60_000);
    const t0 = Date.now();
    const sinceStart = (): number => (Date.now() - t0) / 1000;

    // Phase 1: uTP alone.
    await sleep((WARMUP_S + PHASE_S) * 1000);
    const a0 = progressAt(leech, WARMUP_S);
    const a1 = progressAt(leech, WARMUP_S + PHASE_S);
    const alone = (a1 - a0) / PHASE_S;

    // Phase 2: a bulk TCP stream over the same link.
    const [ccmd, cargs] = inNamespace(lan.gateway, process.execPath, ['-e', SENDER, lan.hostAddress]);
    const sender = new ManagedProcess(ccmd, cargs, { label: 'tcp sender' });
    cleanup.add(() => sender.stop());
    const p2 = sinceStart();
    await sleep(WARMUP_S * 1000);
    const tcpBytes = (): number => {
      const lines = receiver.jsonLines();
      return Number(lines[lines.length - 1]?.bytes ?? 0);
    };
    const b0 = progressAt(leech, sinceStart());
    const c0 = tcpBytes();
    await sleep(PHASE_S * 1000);
    const b1 = progressAt(leech, sinceStart());
    const c1 = tcpBytes();
    const utpShared = (b1 - b0) / PHASE_S;
    const tcpShared = (c1 - c0) / PHASE_S;
    log(`phase 2 began at ${p2.toFixed(1)} s`);

    const link = (RATE_MBIT / 8) * 1e6;
    const pct = (x: number): string => `${((100 * x) / link).toFixed(0)}%`;
    const mb = (x: number): string => `${(x / 1e6).toFixed(2)} MB/s`;
    process.stdout.write(
      `\nuTP yielding on a ${RATE_MBIT} Mbit/s link (tbf, 400 ms queue), ${PHASE_S} s per phase after ${WARMUP_S} s warm-up\n` +
        `  uTP alone:            ${mb(alone)} (${pct(alone)} of the link)\n` +
        `  uTP with TCP beside:  ${mb(utpShared)} (${pct(utpShared)})\n` +
        `  TCP beside uTP:       ${mb(tcpShared)} (${pct(tcpShared)})\n` +
        `  uTP share of the traffic while competing: ${((100 * utpShared) / Math.max(1, utpShared + tcpShared)).toFixed(0)}%\n`,
    );
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`utp-yield failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
