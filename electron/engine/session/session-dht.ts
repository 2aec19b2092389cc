import fs from 'node:fs/promises';
import path from 'node:path';
import type { PeerAddress, SessionOptions } from '../api.js';
import { DhtNode } from '../dht/index.js';
import type { TorrentDht } from '../torrent/discovery.js';
import { writeFileAtomic } from '../resume/atomic-write.js';

const STATE_FILE = 'dht.dat';

/**
 * The session's DHT node: bound next to the TCP listening port when it can be, node list
 * loaded from and saved to the state folder so a restart does not need the bootstrap
 * routers again.
 */
export class SessionDht implements TorrentDht {
  private constructor(private readonly node: DhtNode, private readonly stateFile: string | null) {}

  static async start(options: SessionOptions, listenPort: number, warn: (message: string) => void): Promise<SessionDht | null> {
    const stateFile = options.stateDir ? path.join(options.stateDir, STATE_FILE) : null;
    const state = stateFile ? await fs.readFile(stateFile).catch(() => null) : null;
    const host = options.listenHost && options.listenHost !== '0.0.0.0' ? options.listenHost : '0.0.0.0';
    const ports = options.dhtPort !== undefined ? [options.dhtPort] : [listenPort, 0];
    for (const port of ports) {
      const node = new DhtNode({
        host,
        port,
        state,
        ...(options.dhtBootstrap ? { bootstrap: options.dhtBootstrap } : {}),
        ...(options.dhtRestrictRoutingIps !== undefined ? { restrictRoutingIps: options.dhtRestrictRoutingIps } : {}),
      });
      try {
        node.on('warning', (message) => warn(`DHT: ${message}`));
        await node.start();
        void node.bootstrap().catch((err: unknown) => warn(`DHT bootstrap: ${String(err)}`));
        return new SessionDht(node, stateFile);
      } catch (err) {
        await node.close().catch(() => undefined);
        warn(`DHT on UDP port ${port}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return null;
  }

  getPeers(infoHash: Uint8Array): AsyncGenerator<PeerAddress, void, undefined> {
    return this.node.getPeers(infoHash);
  }

  announce(infoHash: Uint8Array, port: number): Promise<{ peers: PeerAddress[] }> {
    return this.node.announce(infoHash, port);
  }

  nodeCount(): number {
    return this.node.nodes().length;
  }

  async close(): Promise<void> {
    if (this.stateFile) {
      await writeFileAtomic(this.stateFile, this.node.saveState()).catch(() => undefined);
    }
    await this.node.close();
  }
}
