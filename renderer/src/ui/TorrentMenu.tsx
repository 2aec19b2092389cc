import { useCallback, useState } from 'react';
import type { Capabilities, QueueMove, TorrentSummary } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import type { Controller } from '../app/controller.js';
import { magnetLink } from '../util/magnetLink.js';
import { Menu, type MenuAnchor, type MenuEntry } from './Menu.js';
import { CategoryDialog } from './CategoryDialog.js';
import { MoveDialog } from './MoveDialog.js';
import { RemoveDialog } from './RemoveDialog.js';
import { RenameDialog } from './RenameDialog.js';
import { SeedingLimitsDialog } from './SeedingLimitsDialog.js';
import { TorrentLimitsDialog } from './TorrentLimitsDialog.js';

export type TorrentDialog = 'remove' | 'limits' | 'category' | 'seeding' | 'move' | 'rename';

/**
 * The torrent list's context menu entries (qBittorrent's row menu, what the contract offers) for
 * the right-clicked torrent `t` and, in a multi-selection, every other torrent in `targets`:
 * each item acts on all of them; `t` decides what is offered.
 */
export function torrentMenuEntries(t: TorrentSummary, opts: {
  controller: Controller;
  capabilities: Capabilities | null;
  connected: boolean;
  openDialog: (d: TorrentDialog) => void;
  /** Settings.queueing is on: the queue moves are offered. */
  queueing?: boolean;
  /** Every torrent the menu acts on (a multi-selection holding `t`); default: `t` alone. */
  targets?: readonly string[];
  /** The torrents by info-hash (the store's), for the targets' switches and queue places. */
  torrents?: Readonly<Record<string, TorrentSummary>>;
}): MenuEntry[] {
  const { controller, capabilities, connected, openDialog } = opts;
  const h = t.infoHash;
  const all = opts.targets && opts.targets.length > 0 ? opts.targets : [h];
  const known = all.map((x) => (x === h ? t : opts.torrents?.[x])).filter((x): x is TorrentSummary => x !== undefined);
  // qBittorrent's switches on a selection: checked when all of them have it on; choosing one
  // sets the opposite value on every one of them (a mixed selection is switched on).
  const sequential = known.every((x) => x.sequential);
  const firstLast = known.every((x) => x.firstLastPiecesFirst);
  const off = !connected;
  const resumable = t.state === 'paused' || t.state === 'error';
  const entries: MenuEntry[] = [
    resumable
      ? { kind: 'item', id: 'resume', label: 'Resume', testId: 'menu-resume', disabled: off, onSelect: () => void controller.forEach(all, 'resume') }
      : { kind: 'item', id: 'pause', label: 'Pause', testId: 'menu-pause', disabled: off, onSelect: () => void controller.forEach(all, 'pause') },
    { kind: 'item', id: 'recheck', label: 'Force recheck', testId: 'menu-recheck', disabled: off || !t.hasMetadata, onSelect: () => void controller.forEach(all, 'recheck') },
    // Asks the trackers and the DHT for peers now; a paused torrent announces nothing.
    { kind: 'item', id: 'reannounce', label: 'Force reannounce', testId: 'menu-reannounce', disabled: off || resumable, onSelect: () => void controller.reannounce([...all]) },
    { kind: 'separator', id: 'sep-1' },
    { kind: 'item', id: 'remove', label: 'Remove…', testId: 'menu-remove', disabled: off, onSelect: () => openDialog('remove') },
    { kind: 'item', id: 'limits', label: 'Limit speed…', testId: 'menu-limits', disabled: off, onSelect: () => openDialog('limits') },
    { kind: 'item', id: 'seeding', label: 'Seeding limits…', testId: 'menu-seeding-limits', disabled: off, onSelect: () => openDialog('seeding') },
    { kind: 'item', id: 'category', label: 'Category…', testId: 'menu-category', disabled: off, onSelect: () => openDialog('category') },
    { kind: 'item', id: 'move', label: 'Move data…', testId: 'menu-move', disabled: off || t.moveProgress != null, onSelect: () => openDialog('move') },
    { kind: 'item', id: 'rename', label: 'Rename files…', testId: 'menu-rename', disabled: off || !t.hasMetadata, onSelect: () => openDialog('rename') },
    { kind: 'item', id: 'copy-magnet', label: 'Copy magnet link', testId: 'menu-copy-magnet', disabled: off, onSelect: () => void copyMagnets(controller, all) },
    { kind: 'item', id: 'export-torrent', label: 'Export .torrent', testId: 'menu-export-torrent', disabled: off || !t.hasMetadata, onSelect: () => void controller.exportTorrents(all) },
    { kind: 'separator', id: 'sep-2' },
    { kind: 'check', id: 'sequential', label: 'Download in sequential order', testId: 'menu-sequential', checked: sequential, disabled: off,
      onSelect: () => void Promise.all(all.map((x) => controller.setSequential(x, !sequential))) },
    { kind: 'check', id: 'first-last', label: 'Download first and last pieces first', testId: 'menu-first-last', checked: firstLast, disabled: off,
      onSelect: () => void Promise.all(all.map((x) => controller.setFirstLastPiecesFirst(x, !firstLast))) },
  ];
  if (opts.queueing) entries.push({ kind: 'separator', id: 'sep-queue' }, ...queueEntries(controller, inQueueOrder(all, opts.torrents), off));
  if (capabilities?.openFolder === true) {
    entries.push({ kind: 'separator', id: 'sep-3' }, { kind: 'item', id: 'open-folder', label: 'Open folder', testId: 'menu-open-folder', disabled: off, onSelect: () => void controller.openFolder(h) });
  }
  return entries;
}

/** The torrents sorted by their place in the queue (those without one last, as given). */
function inQueueOrder(hashes: readonly string[], torrents?: Readonly<Record<string, TorrentSummary>>): string[] {
  const place = (x: string) => torrents?.[x]?.queuePosition ?? Number.POSITIVE_INFINITY;
  return [...hashes].sort((a, b) => place(a) - place(b));
}

/** qBittorrent's Queue submenu, flattened: top, up, down, bottom — the torrents move together, in their queue order. */
function queueEntries(controller: Controller, hashes: string[], off: boolean): MenuEntry[] {
  const move = (to: QueueMove) => () => void controller.moveInQueue(hashes, to);
  return [
    { kind: 'item', id: 'queue-top', label: 'Move to top of queue', testId: 'menu-queue-top', disabled: off, onSelect: move('top') },
    { kind: 'item', id: 'queue-up', label: 'Move up in queue', testId: 'menu-queue-up', disabled: off, onSelect: move('up') },
    { kind: 'item', id: 'queue-down', label: 'Move down in queue', testId: 'menu-queue-down', disabled: off, onSelect: move('down') },
    { kind: 'item', id: 'queue-bottom', label: 'Move to bottom of queue', testId: 'menu-queue-bottom', disabled: off, onSelect: move('bottom') },
  ];
}

/** "Copy magnet link" for several torrents: one link a line, in the order given. */
export async function copyMagnets(controller: Controller, hashes: readonly string[]): Promise<boolean> {
  if (hashes.length === 1) return controller.copyMagnet(hashes[0]!);
  const torrents = controller.store.getState().torrents;
  const links = await Promise.all(hashes.filter((x) => x in torrents).map(async (x) => {
    const trackers = await controller.call(() => controller.client.getTrackers({ infoHash: x }));
    return magnetLink(x, torrents[x]?.name ?? '', (trackers ?? []).map((tr) => tr.url));
  }));
  if (links.length === 0) return false;
  const text = links.join('\n');
  try {
    await navigator.clipboard.writeText(text);
    controller.notify('info', links.length === 1 ? 'Magnet link copied' : `${links.length} magnet links copied`);
    return true;
  } catch {
    controller.notify('error', `Could not use the clipboard. The magnet links:\n${text}`);
    return false;
  }
}

export interface TorrentMenuTarget extends MenuAnchor {
  infoHash: string;
}

/** The open context menu (if any) and the dialogs its items lead to; stays mounted so a dialog outlives the menu. */
export function TorrentMenu({ target, onClose }: { target: TorrentMenuTarget | null; onClose: () => void }) {
  const controller = useController();
  const capabilities = useApp((s) => s.capabilities);
  const connected = useApp((s) => s.connection === 'open');
  const queueing = useApp((s) => s.settings?.queueing?.enabled ?? false);
  // The dialog acts on the torrents the menu was opened for (`targets`: the right-clicked one first).
  const [dialog, setDialog] = useState<{ kind: TorrentDialog; infoHash: string; targets: readonly string[] } | null>(null);
  const closeDialog = useCallback(() => setDialog(null), []);
  const t = useApp((s) => (target ? s.torrents[target.infoHash] : undefined));
  const selection = useApp((s) => s.selection);
  const torrents = useApp((s) => (target || dialog ? s.torrents : undefined));
  const targets = target && selection.includes(target.infoHash) ? selection : undefined;
  const shown = dialog && torrents ? torrents[dialog.infoHash] : undefined;
  // Those still in the list (one may be removed while the dialog is open).
  const dialogTargets = dialog && torrents ? dialog.targets.filter((x) => x in torrents) : [];
  const others = dialogTargets.filter((x) => x !== dialog?.infoHash);
  const openDialog = (kind: TorrentDialog) => {
    if (!t) return;
    setDialog({ kind, infoHash: t.infoHash, targets: [t.infoHash, ...(targets ?? []).filter((x) => x !== t.infoHash)] });
  };
  return (
    <>
      {target && t && (
        <Menu anchor={target} label={`${t.name || t.infoHash}`} testId="torrent-menu" onClose={onClose}
          entries={torrentMenuEntries(t, { controller, capabilities, connected, queueing, targets, torrents, openDialog })} />
      )}
      {dialog?.kind === 'remove' && shown && <RemoveDialog name={shown.name} infoHash={shown.infoHash} others={others} onClose={closeDialog} />}
      {dialog?.kind === 'limits' && shown && <TorrentLimitsDialog torrent={shown} targets={dialogTargets} onClose={closeDialog} />}
      {dialog?.kind === 'category' && shown && <CategoryDialog torrent={shown} targets={dialogTargets} onClose={closeDialog} />}
      {dialog?.kind === 'seeding' && shown && <SeedingLimitsDialog torrent={shown} targets={dialogTargets} onClose={closeDialog} />}
      {dialog?.kind === 'move' && shown && <MoveDialog torrent={shown} targets={dialogTargets} onClose={closeDialog} />}
      {dialog?.kind === 'rename' && shown && <RenameDialog torrent={shown} onClose={closeDialog} />}
    </>
  );
}
