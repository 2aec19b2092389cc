/**
 * Issue 12 item 2: Tessera behind a router. Two network namespaces on one veth pair: the
 * gateway (10.77.0.1) and the host behind it (10.77.0.2, default route via the gateway).
 *
 *   1. A gateway simulated after the specifications (PCP, NAT-PMP, UPnP IGD; e2e/support/
 *      simulated-gateway.ts) runs in the gateway namespace on the real ports (5351, 1900).
 *      `tessera download --verbose` in the host namespace finds it through the default route,
 *      maps TCP and UDP with PCP, says so, renews before expiry (the gateway grants 4 s), and
 *      deletes both mappings when it stops.
 *   2. Debian's miniupnpd 2.3.1 runs in the gateway namespace. It answers SSDP and its
 *      description, but refuses every mapping because its external address is private (the
 *      only kind these machines may use). Tessera discovers it, fetches the description,
 *      reports the refusal in --verbose and keeps running; Ctrl-C ends it cleanly.
 *
 * Nothing leaves the namespaces this test creates (deleted afterwards, also on failure).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cleanup, createTorrent, ManagedProcess, REPO_ROOT, requireBuiltCli, requireTool, tesseraEnv, writeRandomFile, type TorrentInfo } from '../support/index.js';
import { createLan, inNamespace, type Lan } from '../support/netns.js';

const cleanup = new Cleanup();
let root = '';
let torrent: TorrentInfo;
let lan: Lan;

beforeAll(async () => {
  requireBuiltCli();
  requireTool('libtorrent');
  root = await cleanup.tempDir('portmap');
  await writeRandomFile(join(root, 'src', 'p.bin'), 256 * 1024, 'portmap');
  torrent = await createTorrent({ path: join(root, 'src', 'p.bin'), out: join(root, 'p.torrent'), pieceLength: 16 * 1024 });
  lan = createLan(cleanup, 'pm');
});
afterAll(() => cleanup.run());

/** `tessera download` with no peer to get data from: it runs until interrupted, mapping the port meanwhile. */
function tesseraBehindRouter(label: string): ManagedProcess {
  const args = ['download', torrent.torrentPath, '--dir', join(root, `down-${label}`), '--state-dir', join(root, `state-${label}`), '--no-dht', '--no-lsd', '--port', '0', '--verbose'];
  const [cmd, argv] = inNamespace(lan.host, process.execPath, [requireBuiltCli(), ...args]);
  const proc = new ManagedProcess(cmd, argv, { env: tesseraEnv(join(root, `home-${label}`), { TESSERA_PORT_MAPPING: '1' }), label: `tessera (${label})` });
  cleanup.add(() => proc.stop());
  return proc;
}

/** Resolves once the stderr tail matches (the CLI reports reachability on stderr). */
async function stderrMatching(proc: ManagedProcess, re: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(proc.stderr);
    if (m) return m[0];
    if (proc.exitInfo) throw new Error(`${proc.label} exited before stderr matched ${re}\n${proc.describe()}`);
    if (Date.now() > deadline) throw new Error(`${proc.label}: stderr did not match ${re} within ${timeoutMs} ms\n${proc.describe()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('port mapping behind a router', () => {
  it('maps, renews and removes the listening port on a gateway that follows the specifications', async () => {
    const options = { bind: '0.0.0.0', advertise: lan.gatewayAddress, natPmpPort: 5351, ssdpPort: 1900, joinSsdpGroup: true, maxLifetime: 4 };
    const [cmd, argv] = inNamespace(lan.gateway, process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'e2e', 'support', 'simulated-gateway-main.ts'), JSON.stringify(options)]);
    const gw = new ManagedProcess(cmd, argv, { cwd: REPO_ROOT, label: 'simulated gateway' });
    cleanup.add(() => gw.stop());
    await gw.waitForLine(/"event":"ready"/, 60_000);

    const tessera = tesseraBehindRouter('sim');
    const said = await stderrMatching(tessera, /port (\d+) mapped by PCP: external 203\.0\.113\.7 \(TCP (\d+), UDP (\d+)\)/, 60_000);
    const port = /port (\d+)/.exec(said)![1];
    expect(said).toContain(`TCP ${port}, UDP ${port}`);
    const maps = gw.jsonLines().filter((l) => l.action === 'map');
    expect(maps.map((l) => [l.protocol, l.transport, String(l.internalPort)]).sort()).toEqual([
      ['pcp', 'tcp', port],
      ['pcp', 'udp', port],
    ]);
    const renewal = JSON.parse(await gw.waitForLine(/"action":"renew"/, 60_000)) as { beforeExpiry: boolean };
    expect(renewal.beforeExpiry).toBe(true);

    tessera.child.kill('SIGINT');
    await tessera.exited;
    const deletes = gw.jsonLines().filter((l) => l.action === 'delete');
    expect(deletes.map((l) => l.transport).sort()).toEqual(['tcp', 'udp']);
    await gw.stop();
  });

  it('discovers real miniupnpd, fetches its description, reports its refusal and keeps running', async () => {
    requireMiniupnpd();
    const conf = join(root, 'miniupnpd.conf');
    writeFileSync(
      conf,
      [
        'ext_ifname=lo',
        `listening_ip=${lan.gatewayIf}`,
        'http_port=0',
        'enable_natpmp=yes',
        'enable_upnp=yes',
        'secure_mode=no',
        'system_uptime=yes',
        'uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b',
        'allow 1024-65535 10.77.0.0/24 1024-65535',
        'deny 0-65535 0.0.0.0/0 0-65535',
        '',
      ].join('\n'),
    );
    const [cmd, argv] = inNamespace(lan.gateway, '/usr/sbin/miniupnpd', ['-d', '-f', conf, '-P', join(root, 'miniupnpd.pid')]);
    const mu = new ManagedProcess(cmd, argv, { label: 'miniupnpd' });
    cleanup.add(() => mu.stop());
    await stderrMatching(mu, /Listening for NAT-PMP\/PCP traffic on port 5351/, 30_000);

    const tessera = tesseraBehindRouter('miniupnpd');
    const failed = await stderrMatching(tessera, /port mapping failed \([^\n]*\)/, 90_000);
    // Every protocol was asked and each refusal is named: PCP and NAT-PMP answered with an
    // error, UPnP got as far as the WANIPConnection control URL from the description.
    expect(failed).toMatch(/PCP: /);
    expect(failed).toMatch(/NAT-PMP: /);
    expect(failed).toMatch(/UPnP IGD: AddPortMapping: 501/);
    expect(mu.stderr).toMatch(/SSDP M-SEARCH from 10\.77\.0\.2/);
    expect(tessera.stderr).toContain('trying again in 300 s');
    expect(tessera.exitInfo).toBeNull();

    tessera.child.kill('SIGINT');
    const exit = await tessera.exited;
    expect(exit.code).toBe(130);
    // Evidence, as the Health tab needs it: mapping failed, nobody came in, only a private address.
    expect(tessera.stderr).toContain('probably not reachable from outside');
  });
});

function requireMiniupnpd(): void {
  if (!existsSync('/usr/sbin/miniupnpd')) {
    throw new Error('miniupnpd is not available (/usr/sbin/miniupnpd not found): run `scripts/ensure-deps.sh` (as root) or `apt-get install miniupnpd`.');
  }
}
