/** The interop/e2e harness: real peers, fixtures, Tessera's CLI, and a hostile peer. */
export { Cleanup } from './cleanup.js';
export { writeRandomFile, writeTree, sha1File, assertSameFile, assertSameTree, listFiles, firstDifference, type FileSpec } from './data.js';
export { createTorrent, type TorrentInfo, type TorrentFileInfo, type CreateTorrentOptions } from './torrent.js';
export {
  startLtSeeder,
  startLtLeecher,
  runLtLeecher,
  type LtSeeder,
  type LtSeederOptions,
  type LtLeecher,
  type LtLeecherOptions,
  type LtLeechResult,
  type LtSessionOptions,
} from './libtorrent.js';
export { startAria2Seeder, type Aria2Seeder, type Aria2SeederOptions } from './aria2.js';
export {
  TESSERA_CLI,
  requireBuiltCli,
  runTessera,
  tesseraDownload,
  tesseraEnv,
  startTessera,
  startTesseraSeed,
  describeRun,
  downloadArgs,
  type CliResult,
  type DownloadJson,
  type DownloadOptions,
  type DownloadResult,
  type TesseraSeeder,
  type TesseraSeedOptions,
} from './tessera.js';
export { HostilePeer, HOSTILE_MODES, type HostileMode, type HostileConnection, type HostilePeerOptions, type BitfieldVariant } from './hostile-peer.js';
export { assertDownloadOk, payloadSize, type ExpectedDownload } from './checks.js';
export { startOpentracker, type Opentracker } from './opentracker.js';
export { ManagedProcess, runToEnd, type ExitInfo } from './process.js';
export { measured, readUsage, type Usage } from './measure.js';
export { freePort, canConnect, waitForListening, requireIpv6Loopback } from './net.js';
export { requireTool, PYTHON, REPO_ROOT, SUPPORT_DIR, supportScript, type Tool } from './tools.js';
export { waitForTorrent } from './engine-wait.js';
export { startNginx, type Nginx } from './nginx.js';
export { startRangeServer, type RangeServer, type RangeServerOptions } from './range-server.js';
