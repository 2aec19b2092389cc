/**
 * LEDBAT's point, measured (issue 12, "Yielding"): on a link shaped to a few MB/s, a uTP
 * transfer takes the link alone and gives way to a competing TCP transfer.
 *
 *   sudo npx tsx scripts/utp-yield.ts [--rate-mbit 32] [--queue-ms 400] [--seconds 20]
 *                                     [--senders tessera,libtorrent] [--tcp-cc cubic] [--timeline]
 *
 * Three network namespaces, sender ── router ── receiver (e2e/support/netns.ts
 * createRoutedPath). The router's interface towards the receiver is the bottleneck:
 * `tc qdisc … tbf` at the given rate with a queue of `--queue-ms` (home routers buffer
 * hundreds of ms; LEDBAT's target is 100 ms, so a queue shorter than that never shows it any
 * delay to react to). The bottleneck must not be on the senders' own interface: there TCP
 * Small Queues keeps a local TCP socket's share of the queue to about a millisecond of data,
 * so TCP cannot build a queue (with CUBIC that set-up held the queue near 50 ms: uTP 42%,
 * TCP 53%). The TCP competitor uses CUBIC (`--tcp-cc`), the Linux and Windows default: BBR,
 * this machine's default, keeps queues short by design, below LEDBAT's target (uTP 39%,
 * TCP 57% through the router; both faults together, the old set-up, gave uTP 72%, TCP 23%).
 *
 * For each sender (`tessera seed`, and libtorrent's seeder for comparison) in the sender
 * namespace, a uTP-only libtorrent leecher downloads in the receiver namespace: the sender's
 * LEDBAT is the one measured. Phase 1: uTP alone. Phase 2: plus a bulk TCP stream from the
 * sender namespace to the receiver namespace over the same bottleneck. Prints the rates, the
 * shares and the bottleneck's mean queue (from `tc -s`). Needs root. A report, not a test:
 * the figures depend on the machine's load.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Cleanup, createTorrent, ManagedProcess, PYTHON, requireBuiltCli, startLtSeeder, supportScript, tesseraEnv, writeRandomFile } from '../e2e/support/index.js';
import { createRoutedPath, inNamespace, type RoutedPath } from '../e2e/support/netns.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return (i >= 0 ? args[i + 1] : undefined) ?? fallback;
};
const RATE_MBIT = Number(opt('--rate-mbit', '32'));
const QUEUE_MS = Number(opt('--queue-ms', '400'));
const PHASE_S = Number(opt('--seconds', '20'));
const SENDERS = opt('--senders', 'tessera,libtorrent').split(',');
/** The TCP competitor's congestion control (see above). */
const TCP_CC = opt('--tcp-cc', 'cubic');
/** Seconds after a phase starts before measuring: slow start, and LEDBAT's reaction to TCP. */
const WARMUP_S = 5;
const MiB = 1024 * 1024;
const LINK_BYTES_PER_S = (RATE_MBIT / 8) * 1e6;
const UTP_PORT = 6881;
/** Print a line a second (uTP and TCP rates, queue) while measuring. */
const TIMELINE = args.includes('--timeline');

const RECEIVER = `
const net = require('node:net');
let bytes = 0;
net.createServer((s) => s.on('data', (c) => { bytes += c.length; })).listen(9000, process.argv[1], () => console.log('READY'));
setInterval(() => console.log(JSON.stringify({ bytes })), 250);
`;
/** Python, for TCP_CONGESTION: the sysctl is not writable in a namespace here, the socket option is. */
const SENDER = `
import socket, sys
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, sys.argv[2].encode())
s.connect((sys.argv[1], 9000))
chunk = bytes(256 * 1024)
try:
    while True: s.sendall(chunk)
except OSError:
    pass
`;

function log(m: string): void {
  process.stderr.write(`[utp-yield] ${m}\n`);
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** The last value of `field` the process printed (in a JSON line), 0 before any. */
function lastJson(proc: ManagedProcess, field: string): number {
  const lines = proc.jsonLines();
  for (let i = lines.length - 1; i >= 0; i--) if (typeof lines[i]?.[field] === 'number') return Number(lines[i]?.[field]);
  return 0;
}

/** Samples the bottleneck qdisc's backlog (bytes) while running. */
class QueueProbe {
  private samples: number[] = [];
  private drops = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly path: RoutedPath) {
    this.timer = setInterval(() => this.sample(), 250);
  }

  private sample(): void {
    try {
      const out = execFileSync('ip', ['netns', 'exec', this.path.router, 'tc', '-s', 'qdisc', 'show', 'dev', this.path.routerEgressIf], { encoding: 'utf8' });
      const backlog = /backlog (\d+)b/.exec(out);
      const dropped = /dropped (\d+)/.exec(out);
      if (backlog) this.samples.push(Number(backlog[1]));
      if (dropped) this.drops = Number(dropped[1]);
    } catch {
      // The namespace is being torn down.
    }
  }

  /** Starts a measuring window; `end()` gives the mean queue (ms) and the drops in it. */
  window(): { end: () => { queueMs: number; drops: number } } {
    const from = this.samples.length;
    const drops0 = this.drops;
    return {
      end: () => {
        const s = this.samples.slice(from);
        const mean = s.length === 0 ? 0 : s.reduce((a, b) => a + b, 0) / s.length;
        return { queueMs: (1000 * mean) / LINK_BYTES_PER_S, drops: this.drops - drops0 };
      },
    };
  }

  latestMs(): number {
    return (1000 * (this.samples[this.samples.length - 1] ?? 0)) / LINK_BYTES_PER_S;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

interface Phase {
  utp: number;
  tcp: number;
  queueMs: number;
  drops: number;
}

async function measure(probe: QueueProbe, leech: ManagedProcess, receiver: ManagedProcess | null): Promise<Phase> {
  await sleep(WARMUP_S * 1000);
  const w = probe.window();
  const u0 = lastJson(leech, 'bytes');
  const t0 = receiver ? lastJson(receiver, 'bytes') : 0;
  const started = Date.now();
  let [u, t] = [u0, t0];
  for (let i = 0; i < PHASE_S; i++) {
    await sleep(1000);
    if (!TIMELINE) continue;
    const [un, tn] = [lastJson(leech, 'bytes'), receiver ? lastJson(receiver, 'bytes') : 0];
    log(`  ${i + 1} s: uTP ${((un - u) / 1e6).toFixed(2)} MB/s, TCP ${((tn - t) / 1e6).toFixed(2)} MB/s, queue ${probe.latestMs().toFixed(0)} ms`);
    [u, t] = [un, tn];
  }
  const seconds = (Date.now() - started) / 1000;
  const u1 = lastJson(leech, 'bytes');
  const t1 = receiver ? lastJson(receiver, 'bytes') : 0;
  return { utp: (u1 - u0) / seconds, tcp: (t1 - t0) / seconds, ...w.end() };
}

async function runFor(who: string, root: string, torrentPath: string, seedDir: string): Promise<{ alone: Phase; shared: Phase }> {
  const cleanup = new Cleanup();
  try {
    const path = createRoutedPath(cleanup, 'yield');
    const limitBytes = Math.max(64 * 1024, Math.round((LINK_BYTES_PER_S * QUEUE_MS) / 1000));
    execFileSync('ip', ['netns', 'exec', path.router, 'tc', 'qdisc', 'add', 'dev', path.routerEgressIf, 'root', 'tbf', 'rate', `${RATE_MBIT}mbit`, 'burst', '64kb', 'limit', String(limitBytes)]);
    const probe = new QueueProbe(path);
    cleanup.add(() => probe.stop());

    if (who === 'tessera') {
      const [scmd, sargs] = inNamespace(path.sender, process.execPath, [requireBuiltCli(), 'seed', torrentPath, '--dir', seedDir, '--port', String(UTP_PORT), '--state-dir', join(root, `${who}-seed-state`)]);
      const seed = new ManagedProcess(scmd, sargs, { label: 'tessera seed', env: tesseraEnv(join(root, `${who}-seed-home`)), echo: Boolean(process.env.UTP_YIELD_ECHO) });
      cleanup.add(() => seed.stop());
      await seed.waitForLine(/^seeding /, 120_000);
    } else {
      await startLtSeeder(cleanup, { torrents: [torrentPath], save: seedDir, seedMode: true, host: path.senderAddress, port: UTP_PORT, utpOnly: true, netns: path.sender });
    }

    const [rcmd, rargs] = inNamespace(path.receiver, process.execPath, ['-e', RECEIVER, path.receiverAddress]);
    const receiver = new ManagedProcess(rcmd, rargs, { label: 'tcp receiver' });
    cleanup.add(() => receiver.stop());
    await receiver.waitForLine(/^READY/, 30_000);

    const [lcmd, largs] = inNamespace(path.receiver, PYTHON, [
      supportScript('lt_leech.py'), '--torrent', torrentPath, '--save', join(root, `${who}-leech`), '--listen', `${path.receiverAddress}:0`,
      '--utp', '--setting', 'enable_outgoing_tcp=false', '--setting', 'enable_incoming_tcp=false',
      '--peer', `${path.senderAddress}:${UTP_PORT}`, '--progress-interval', '0.25', '--timeout', String((WARMUP_S + PHASE_S) * 4),
    ]);
    const leech = new ManagedProcess(lcmd, largs, { label: 'lt leech (uTP only)' });
    cleanup.add(() => leech.stop());
    await leech.waitForLine(/^LISTEN /, 60_000);

    const alone = await measure(probe, leech, null);
    const [ccmd, cargs] = inNamespace(path.sender, PYTHON, ['-c', SENDER, path.receiverAddress, TCP_CC]);
    const sender = new ManagedProcess(ccmd, cargs, { label: 'tcp sender' });
    cleanup.add(() => sender.stop());
    const shared = await measure(probe, leech, receiver);
    return { alone, shared };
  } finally {
    await cleanup.run();
  }
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const root = await cleanup.tempDir('utp-yield');
    // Enough that neither phase runs out of data at the full link rate.
    const size = Math.ceil((LINK_BYTES_PER_S / MiB) * MiB * (WARMUP_S + PHASE_S) * 2.5);
    const seedDir = join(root, 'seed');
    await writeRandomFile(join(seedDir, 'y.bin'), size, 'yield');
    const t = await createTorrent({ path: join(seedDir, 'y.bin'), out: join(root, 'y.torrent'), pieceLength: MiB });
    log(`bottleneck ${RATE_MBIT} Mbit/s (${(LINK_BYTES_PER_S / 1e6).toFixed(1)} MB/s), tbf queue ${QUEUE_MS} ms, on a router between sender and receiver; ${(size / MiB).toFixed(0)} MiB to send`);

    const pct = (x: number): string => `${((100 * x) / LINK_BYTES_PER_S).toFixed(0)}%`.padStart(4);
    const mb = (x: number): string => `${(x / 1e6).toFixed(2)} MB/s`;
    const q = (p: Phase): string => `mean queue ${p.queueMs.toFixed(0)} ms, ${p.drops} drops`;
    let report = `\nuTP yielding to TCP: ${RATE_MBIT} Mbit/s bottleneck (tbf, ${QUEUE_MS} ms queue) on a router, TCP ${TCP_CC}; ${PHASE_S} s measured per phase after ${WARMUP_S} s\n`;
    for (const who of SENDERS) {
      log(`${who} sending over uTP …`);
      const { alone, shared } = await runFor(who, root, t.torrentPath, seedDir);
      report +=
        `  ${who} sending uTP:\n` +
        `    uTP alone:            ${mb(alone.utp)} (${pct(alone.utp)} of the link; ${q(alone)})\n` +
        `    uTP with TCP beside:  ${mb(shared.utp)} (${pct(shared.utp)})\n` +
        `    TCP beside uTP:       ${mb(shared.tcp)} (${pct(shared.tcp)}; ${q(shared)})\n` +
        `    uTP share of the traffic while competing: ${((100 * shared.utp) / Math.max(1, shared.utp + shared.tcp)).toFixed(0)}%\n`;
    }
    process.stdout.write(report);
  } finally {
    await cleanup.run();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`utp-yield failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
