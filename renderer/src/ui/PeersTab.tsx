/**
 * The details' Peers tab: the connected peers, each with its pieces as a strip on the grid's
 * scale and how many pieces we still need it has; hovering a row highlights its pieces on the
 * grid. The list is polled every 1.5 s and the pieces every 2 s while the tab is open.
 *
 * At full speed some cell changes on every poll: the table has fixed column widths (an auto
 * table measures every cell again), rows are memoised (a peer whose fields did not change is
 * not rendered again) and a strip is drawn again only when its peer's pieces changed.
 */
import { memo, useCallback, useEffect, useMemo, useRef } from 'react';
import { PEER_FLAGS, type PeerView } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import { setPeerHighlight } from '../mosaic/highlight.js';
import { PeerStrip, stripColors, type StripColors } from '../mosaic/PeerStrip.js';
import { piecesOf, usePeerPieces, type PeerPieces } from '../mosaic/peerPieces.js';
import { formatBytes, formatCount, formatRateCell } from '../util/format.js';
import { MiniBar } from './MiniBar.js';
import { useThemeKey } from './theme.js';
import { usePoll } from './usePoll.js';

/** The peer list's Flags legend, from the contract's table of flag letters. */
const FLAGS_LEGEND = Object.entries(PEER_FLAGS)
  .map(([letter, meaning]) => `${letter}: ${meaning}`)
  .join(' · ');

export const PEERS_POLL_MS = 1500;

export function PeersTab({ infoHash }: { infoHash: string }) {
  const controller = useController();
  const connected = useApp((s) => s.connection === 'open');
  const theme = useThemeKey();
  // The theme changes the variables' values.
  const colors = useMemo(stripColors, [theme]);
  const { value: peers } = usePoll<PeerView[]>(infoHash, connected, PEERS_POLL_MS,
    (h) => controller.call(() => controller.client.getPeers({ infoHash: h }), false));
  const pieces = usePeerPieces(infoHash, connected);
  // The hover handlers read the latest pieces, so they stay the same function across polls.
  const piecesRef = useRef(pieces);
  useEffect(() => { piecesRef.current = pieces; }, [pieces]);
  const onEnter = useCallback((id: string, address: string) => {
    const known = piecesRef.current;
    const has = known?.peers.get(id);
    if (has && known) setPeerHighlight({ infoHash, label: address, pieces: piecesOf(has, known.pieceCount) });
  }, [infoHash]);
  const onLeave = useCallback(() => setPeerHighlight(null), []);
  useEffect(() => () => setPeerHighlight(null), [infoHash]);
  const sorted = useMemo(() => peers && [...peers].sort((a, b) => b.downloadRate - a.downloadRate || b.uploadRate - a.uploadRate || a.address.localeCompare(b.address)), [peers]);
  if (!sorted) return <p className="muted pad">Loading peers…</p>;
  if (sorted.length === 0) return <p className="muted pad">Not connected to any peers.</p>;
  return (
    <table className="table table--compact table--peers" data-testid="peers-table">
      <thead>
        <tr>
          <th className="col-address">Address</th><th className="col-client">Client</th><th className="col-flags" title={FLAGS_LEGEND}>Flags</th>
          <th className="col-progress">Progress</th>
          <th className="col-strip" title="The peer's pieces on the grid's scale (hover a row to see them on the grid)">Pieces</th>
          <th className="col-num col-wanted" title="Pieces we still need that this peer has">We need</th>
          <th className="col-num col-rate">Down</th><th className="col-num col-rate">Up</th>
          <th className="col-num col-bytes">Downloaded</th><th className="col-num col-bytes">Uploaded</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((p) => (
          <PeerRow key={p.id} peer={p} pieces={pieces?.peers.get(p.id)} pieceCount={pieces?.pieceCount ?? 0} wantedMissing={pieces?.wantedMissing ?? 0}
            colors={colors} onEnter={onEnter} onLeave={onLeave} />
        ))}
      </tbody>
    </table>
  );
}

interface PeerRowProps {
  peer: PeerView;
  pieces: PeerPieces | undefined;
  pieceCount: number;
  wantedMissing: number;
  colors: StripColors;
  onEnter: (id: string, address: string) => void;
  onLeave: () => void;
}

const PeerRow = memo(function PeerRow({ peer: p, pieces, pieceCount, wantedMissing, colors, onEnter, onLeave }: PeerRowProps) {
  return (
    <tr className="row" data-testid="peer-row" data-peer={p.address} onMouseEnter={() => onEnter(p.id, p.address)} onMouseLeave={onLeave}>
      <td className="mono" title={p.address}>{p.address}</td>
      <td title={p.client}>{p.client || '–'}</td>
      <td className="mono">{p.flags}</td>
      <td className="col-progress"><MiniBar value={p.progress} /></td>
      <td><PeerStrip pieces={pieces} pieceCount={pieceCount} colors={colors} /></td>
      <td className="col-num" data-testid="peer-wanted">{pieces ? `${formatCount(pieces.wanted)} of ${formatCount(wantedMissing)}` : '–'}</td>
      <td className="col-num">{formatRateCell(p.downloadRate)}</td>
      <td className="col-num">{formatRateCell(p.uploadRate)}</td>
      <td className="col-num">{formatBytes(p.downloaded)}</td>
      <td className="col-num">{formatBytes(p.uploaded)}</td>
    </tr>
  );
}, samePeerRow);

/** A new poll brings new PeerView objects: a row renders again only when what it shows changed. */
export function samePeerRow(a: PeerRowProps, b: PeerRowProps): boolean {
  if (a.pieces !== b.pieces || a.pieceCount !== b.pieceCount || a.colors !== b.colors || a.onEnter !== b.onEnter || a.onLeave !== b.onLeave) return false;
  if (a.pieces && a.wantedMissing !== b.wantedMissing) return false;
  const x = a.peer, y = b.peer;
  return x === y || (x.id === y.id && x.address === y.address && x.client === y.client && x.flags === y.flags && x.progress === y.progress
    && x.downloadRate === y.downloadRate && x.uploadRate === y.uploadRate && x.downloaded === y.downloaded && x.uploaded === y.uploaded);
}
