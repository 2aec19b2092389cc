/**
 * Checks on a `tessera download --json` run, throwing errors that carry the whole story
 * (exit status, the JSON, stdout/stderr tails) so a failing interop test says what happened.
 */
import { describeRun, type DownloadJson, type DownloadResult } from './tessera.js';
import type { TorrentInfo } from './torrent.js';

export interface ExpectedDownload {
  torrent: TorrentInfo;
  /** Exact number of peers that sent data, or a minimum. */
  peers?: number | { min: number };
  /** Exact hash failures, or a minimum. Default exactly 0. */
  hashFailures?: number | { min: number };
  /** Require `downloaded` to equal the payload size (one honest peer, no waste). */
  exactDownloaded?: boolean;
}

/** Payload bytes of a torrent: every file except BEP 47 pad files. */
export function payloadSize(t: TorrentInfo): number {
  return t.files.filter((f) => !f.pad).reduce((n, f) => n + f.size, 0);
}

function fail(r: DownloadResult, what: string): never {
  throw new Error(`${what}\njson: ${JSON.stringify(r.json)}\n${describeRun(r)}`);
}

function matches(v: number, want: number | { min: number }): boolean {
  return typeof want === 'number' ? v === want : v >= want.min;
}

/** Asserts exit 0 and the documented --json fields; returns the JSON. */
export function assertDownloadOk(r: DownloadResult, exp: ExpectedDownload): DownloadJson {
  if (r.timedOut) fail(r, 'tessera download did not finish in time');
  if (r.exit.code !== 0) fail(r, `tessera download exited with ${r.exit.code ?? r.exit.signal}, expected 0`);
  const j = r.json;
  if (!j) fail(r, 'tessera download --json printed no JSON object on stdout');
  const size = payloadSize(exp.torrent);
  const problems: string[] = [];
  if (j.infoHash !== exp.torrent.infoHash) problems.push(`infoHash ${String(j.infoHash)} != ${exp.torrent.infoHash}`);
  if (j.size !== size) problems.push(`size ${String(j.size)} != ${size}`);
  if (typeof j.downloaded !== 'number' || j.downloaded < size) problems.push(`downloaded ${String(j.downloaded)} < size ${size}`);
  else if (exp.exactDownloaded && j.downloaded !== size) problems.push(`downloaded ${j.downloaded} != size ${size} (one honest peer: nothing should be wasted)`);
  if (typeof j.seconds !== 'number' || !(j.seconds > 0) || !Number.isFinite(j.seconds)) problems.push(`seconds ${String(j.seconds)} is not a positive number`);
  else if (j.seconds * 1000 > r.wallMs + 1000) problems.push(`seconds ${j.seconds} exceeds the process wall time ${r.wallMs} ms`);
  if (typeof j.secondsFromAdd !== 'number' || !(j.secondsFromAdd > 0) || !(j.secondsFromAdd < j.seconds)) {
    // It ends when the torrent completed, before its files close and its resume record is saved.
    problems.push(`secondsFromAdd ${String(j.secondsFromAdd)} is not a positive number under seconds ${String(j.seconds)}`);
  }
  if (typeof j.peers !== 'number' || !matches(j.peers, exp.peers ?? { min: 1 })) problems.push(`peers ${String(j.peers)}, expected ${JSON.stringify(exp.peers ?? { min: 1 })}`);
  if (typeof j.hashFailures !== 'number' || !matches(j.hashFailures, exp.hashFailures ?? 0)) {
    problems.push(`hashFailures ${String(j.hashFailures)}, expected ${JSON.stringify(exp.hashFailures ?? 0)}`);
  }
  if (problems.length) fail(r, `tessera download --json fields wrong: ${problems.join('; ')}`);
  return j;
}
