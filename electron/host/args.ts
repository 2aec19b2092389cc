/** Command line of the web host: `node dist/electron/host/main.js [options]`. Pure. */
import { tryParseHostPort } from '../engine/util/host-port.js';

export interface HostArgs {
  /** HTTP port; null = DEFAULT_WEB_PORT or, when taken, the next free one. */
  port: number | null;
  host: string;
  /** State folder (settings, resume data); null = the default XDG folder. */
  dir: string | null;
  /** Overrides the download folder setting (and saves it). */
  downloadDir: string | null;
  /** BitTorrent listening port for this run (overrides the setting); null = the setting's, or the next free one. */
  listenPort: number | null;
  /** BitTorrent listening address (default: the engine's, all interfaces). */
  listenHost: string | null;
  /** Folder of the built renderer (default: dist/renderer next to this build). */
  staticDir: string | null;
  /** Run against a simulated engine (renderer development, demos). */
  fakeEngine: boolean;
  /** No DHT node. */
  noDht: boolean;
  /** DHT bootstrap nodes (host:port), instead of the public routers. */
  dhtBootstrap: string[];
  /** Web UI user name to save (its password comes from $TESSERA_WEB_PASSWORD); null = keep the saved one. */
  username: string | null;
  /** HTTPS certificate and key files (PEM) to save in the web UI settings; null = keep the saved ones. */
  cert: string | null;
  key: string | null;
  help: boolean;
}

export const DEFAULT_WEB_PORT = 8780;

export const HOST_USAGE = `Usage: npm run web -- [options]   (node dist/electron/host/main.js [options])

Serves Tessera's UI on http://127.0.0.1:PORT/?token=… and runs the engine.

  --port P           HTTP port (default ${DEFAULT_WEB_PORT} or the next free one; 0 = any free port)
  --host H           bind address (default 127.0.0.1; use 0.0.0.0 to expose it — the token still applies)
  --dir DIR          state folder (default $XDG_CONFIG_HOME/tessera or ~/.config/tessera)
  --download-dir D   download folder (saved in the settings)
  --listen-port P    BitTorrent listening port for this run (default: the saved one, 6881,
                     or the next free one)
  --listen-host H    BitTorrent listening address for this run
  --static DIR       folder of the built renderer (default dist/renderer)
  --no-dht           do not run a DHT node
  --dht-bootstrap N  DHT bootstrap node host:port (repeatable; default: the public routers,
                     or $TESSERA_DHT_BOOTSTRAP — empty turns the DHT off)
  --fake-engine      simulated torrents instead of the real engine (UI development)
  --username U       web UI login (required to bind beyond loopback); the password is read
                     from $TESSERA_WEB_PASSWORD; both are saved (the password as an scrypt hash)
  --cert F --key F   serve HTTPS with this certificate and key (PEM files; saved)
  -h, --help         this text
`;

export class ArgsError extends Error {
  override readonly name = 'ArgsError';
}

function port(name: string, value: string | undefined): number {
  if (value === undefined || !/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new ArgsError(`${name} needs a port number 0-65535`);
  return Number(value);
}

function text(name: string, value: string | undefined): string {
  if (value === undefined || value === '' || value.startsWith('--')) throw new ArgsError(`${name} needs a value`);
  return value;
}

export function parseHostArgs(argv: readonly string[]): HostArgs {
  const out: HostArgs = {
    port: null,
    host: '127.0.0.1',
    dir: null,
    downloadDir: null,
    listenPort: null,
    listenHost: null,
    staticDir: null,
    fakeEngine: false,
    noDht: false,
    dhtBootstrap: [],
    username: null,
    cert: null,
    key: null,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    switch (name) {
      case '--port':
        out.port = port(name, value());
        break;
      case '--host':
        out.host = text(name, value());
        break;
      case '--dir':
        out.dir = text(name, value());
        break;
      case '--download-dir':
        out.downloadDir = text(name, value());
        break;
      case '--listen-port':
        out.listenPort = port(name, value());
        break;
      case '--listen-host':
        out.listenHost = text(name, value());
        break;
      case '--static':
        out.staticDir = text(name, value());
        break;
      case '--fake-engine':
        out.fakeEngine = true;
        break;
      case '--no-dht':
        out.noDht = true;
        break;
      case '--dht-bootstrap': {
        const node = text(name, value());
        if (!tryParseHostPort(node)) throw new ArgsError(`${name} needs host:port, got ${JSON.stringify(node)}`);
        out.dhtBootstrap.push(node);
        break;
      }
      case '--username':
        out.username = text(name, value());
        break;
      case '--cert':
        out.cert = text(name, value());
        break;
      case '--key':
        out.key = text(name, value());
        break;
      case '-h':
      case '--help':
        out.help = true;
        break;
      default:
        throw new ArgsError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  return out;
}
