/**
 * The Create torrent dialog's form, checked with the contract's own validators before it is
 * sent (the engine checks the same again), so a mistake shows next to its field.
 */
import {
  MAX_CREATE_COMMENT,
  MAX_CREATE_TRACKERS,
  check,
  createSourcePath,
  trackerLines,
  trackerUrl,
  type CreateFormat,
  type CreateTorrentPayload,
} from '../../../shared/contract/index.js';

export interface CreateForm {
  source: string;
  format: CreateFormat;
  /** '' = automatic, else bytes as text (a <select>'s value). */
  pieceLength: string;
  /** One tracker URL per line. */
  trackers: string;
  comment: string;
  private: boolean;
  startSeeding: boolean;
}

export const EMPTY_CREATE_FORM: CreateForm = { source: '', format: 'hybrid', pieceLength: '', trackers: '', comment: '', private: false, startSeeding: true };

export type CreateFormField = 'source' | 'trackers' | 'comment';

/** The payload, or the first problem and the field it belongs to. */
export function createPayload(form: CreateForm): { ok: true; payload: CreateTorrentPayload } | { ok: false; field: CreateFormField; problem: string } {
  const source = form.source.trim();
  if (source === '') return { ok: false, field: 'source', problem: 'Choose the file or folder to share.' };
  const path = check(createSourcePath, source);
  if (!path.ok) return { ok: false, field: 'source', problem: `The path must be ${path.error.problem.replace(/^expected /, '')}.` };
  const trackers = trackerLines(form.trackers);
  if (trackers.length > MAX_CREATE_TRACKERS) return { ok: false, field: 'trackers', problem: `At most ${MAX_CREATE_TRACKERS} trackers (${trackers.length} listed).` };
  const bad = trackers.find((t) => !check(trackerUrl, t).ok);
  if (bad !== undefined) return { ok: false, field: 'trackers', problem: `Not a tracker URL (http://, https:// or udp://): ${bad.length > 80 ? `${bad.slice(0, 80)}…` : bad}` };
  if (form.comment.length > MAX_CREATE_COMMENT) return { ok: false, field: 'comment', problem: `The comment is longer than ${MAX_CREATE_COMMENT} characters.` };
  return {
    ok: true,
    payload: {
      source,
      format: form.format,
      pieceLength: form.pieceLength === '' ? null : Number(form.pieceLength),
      trackers,
      comment: form.comment,
      private: form.private,
      startSeeding: form.startSeeding,
    },
  };
}
