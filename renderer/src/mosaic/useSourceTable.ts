import { useEffect, useState } from 'react';
import { useController } from '../app/context.js';
import { PieceSourceTable } from './sourceTable.js';

/** How often the log is asked for what is new (it only sends entries not seen yet). */
export const SOURCE_POLL_MS = 1000;

/**
 * The selected torrent's piece-source log, kept current while `enabled`: asks for entries
 * after its cursors every SOURCE_POLL_MS (at once again while a reply leaves some behind).
 * `version` changes whenever the table did.
 */
export function useSourceTable(infoHash: string, pieceCount: number, enabled: boolean): { table: PieceSourceTable | null; version: number } {
  const controller = useController();
  const [state, setState] = useState<{ key: string; table: PieceSourceTable; version: number } | null>(null);
  const key = `${infoHash}|${pieceCount}`;
  useEffect(() => {
    if (!enabled || pieceCount <= 0) return;
    const table = new PieceSourceTable(pieceCount);
    let version = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState({ key, table, version });
    const tick = async (): Promise<void> => {
      const reply = await controller.call(() => controller.client.getPieceSources({ infoHash, ...table.cursor() }), false);
      if (stopped) return;
      let again = false;
      if (reply) {
        if (table.apply(reply)) setState({ key, table, version: ++version });
        again = table.logCount < reply.count && table.generation === reply.generation;
      }
      timer = setTimeout(() => void tick(), again ? 0 : SOURCE_POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [controller, infoHash, pieceCount, enabled, key]);
  return state && state.key === key ? { table: state.table, version: state.version } : { table: null, version: 0 };
}
