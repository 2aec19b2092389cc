import { useEffect, useRef, useState } from 'react';
import { useController } from '../app/context.js';
import { PieceSourceTable } from './sourceTable.js';

/** How often the log is asked for what is new (it only sends entries not seen yet). */
export const SOURCE_POLL_MS = 1000;

/**
 * The selected torrent's piece-source log, kept current while `enabled`: asks for entries
 * after its cursors every SOURCE_POLL_MS (at once again while a reply leaves some behind).
 * While not `live` (the grid shows states) it asks for no entries, only the recent hash
 * failures: the log's bytes travel only while someone looks at them. `version` changes
 * whenever the table did.
 */
export function useSourceTable(infoHash: string, pieceCount: number, enabled: boolean, live: boolean): { table: PieceSourceTable | null; version: number } {
  const controller = useController();
  const [state, setState] = useState<{ key: string; table: PieceSourceTable; version: number } | null>(null);
  const liveRef = useRef(live);
  const kickRef = useRef<(() => void) | null>(null);
  const key = `${infoHash}|${pieceCount}`;
  useEffect(() => {
    liveRef.current = live;
    if (live) kickRef.current?.();
  }, [live]);
  useEffect(() => {
    if (!enabled || pieceCount <= 0) return;
    const table = new PieceSourceTable(pieceCount);
    let version = 0;
    let stopped = false;
    let busy = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState({ key, table, version });
    const tick = async (): Promise<void> => {
      busy = true;
      const live = liveRef.current;
      const query = { infoHash, ...table.cursor(), ...(live ? {} : { limit: 0 }) };
      const reply = await controller.call(() => controller.client.getPieceSources(query), false);
      busy = false;
      if (stopped) return;
      let again = false;
      if (reply) {
        if (table.apply(reply)) setState({ key, table, version: ++version });
        again = live && table.logCount < reply.count && table.generation === reply.generation;
      }
      timer = setTimeout(() => void tick(), again ? 0 : SOURCE_POLL_MS);
    };
    kickRef.current = () => {
      if (busy || stopped) return;
      if (timer) clearTimeout(timer);
      void tick();
    };
    void tick();
    return () => {
      stopped = true;
      kickRef.current = null;
      if (timer) clearTimeout(timer);
    };
  }, [controller, infoHash, pieceCount, enabled, key]);
  return state && state.key === key ? { table: state.table, version: state.version } : { table: null, version: 0 };
}
