import { type TorrentInfoView, type TorrentSummary } from '../../../shared/contract/index.js';
import { useApp, useController } from '../app/context.js';
import type { DetailsTab } from '../state/reducer.js';
import { selectSelectedTorrent } from '../state/selectors.js';
import { formatBytes, formatCount, formatDate } from '../util/format.js';
import { usePoll } from './usePoll.js';
import { FilesTab } from './FilesTab.js';
import { PeersTab } from './PeersTab.js';
import { TrackersTab } from './TrackersTab.js';
import { IconFolder } from './icons.js';
import { TorrentOptions } from './TorrentOptions.js';
import { HealthTab } from '../mosaic/HealthTab.js';
import { InFlightTab } from '../mosaic/InFlightTab.js';
import { SpeedTab, useSpeedSampler } from '../mosaic/SpeedTab.js';
import { MosaicPanel } from '../mosaic/MosaicPanel.js';
import '../mosaic/mosaic.css';

const TABS: Array<{ id: DetailsTab; label: string }> = [
  { id: 'files', label: 'Files' },
  { id: 'peers', label: 'Peers' },
  { id: 'inflight', label: 'In flight' },
  { id: 'trackers', label: 'Trackers' },
  { id: 'health', label: 'Health' },
  { id: 'speed', label: 'Speed' },
  { id: 'info', label: 'Info' },
];

export function Details() {
  const t = useApp(selectSelectedTorrent);
  useSpeedSampler(); // history from the start, not from when the Speed tab opens
  if (!t) {
    return (
      <section className="details details--empty" aria-label="Details">
        <p>Select a torrent to see its pieces, files and peers.</p>
      </section>
    );
  }
  return (
    <section className="details" aria-label="Details">
      <MosaicPanel torrent={t} />
      <DetailTabs torrent={t} />
    </section>
  );
}

function DetailTabs({ torrent: t }: { torrent: TorrentSummary }) {
  const controller = useController();
  const tab = useApp((s) => s.tab);
  return (
    <div className="tabs">
      <div className="tabs__bar" role="tablist" aria-label="Torrent details">
        {TABS.map((x) => (
          <button key={x.id} type="button" role="tab" id={`tab-${x.id}`} aria-selected={tab === x.id} aria-controls={`panel-${x.id}`}
            className={tab === x.id ? 'tab tab--active' : 'tab'} data-testid={`tab-${x.id}`} onClick={() => controller.setTab(x.id)}>
            {x.label}
          </button>
        ))}
      </div>
      <div className="tabs__panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'files' && <FilesTab torrent={t} />}
        {tab === 'peers' && <PeersTab infoHash={t.infoHash} />}
        {tab === 'trackers' && <TrackersTab key={t.infoHash} infoHash={t.infoHash} />}
        {tab === 'inflight' && <InFlightTab infoHash={t.infoHash} />}
        {tab === 'health' && <HealthTab infoHash={t.infoHash} />}
        {tab === 'speed' && <SpeedTab infoHash={t.infoHash} />}
        {tab === 'info' && <InfoTab torrent={t} />}
      </div>
    </div>
  );
}

function useConnected(): boolean {
  return useApp((s) => s.connection === 'open');
}

export function InfoTab({ torrent: t }: { torrent: TorrentSummary }) {
  const controller = useController();
  const connected = useConnected();
  const capabilities = useApp((s) => s.capabilities);
  // Static facts: fetched once per torrent, and again when a magnet's metadata arrives.
  const { value: i } = usePoll<TorrentInfoView>(`${t.infoHash}|${t.hasMetadata ? 1 : 0}`, connected, 0,
    () => controller.call(() => controller.client.getInfo({ infoHash: t.infoHash }), false));
  const rows: Array<[string, string]> = [
    ['Name', t.name || '–'],
    ['Info-hash', t.infoHash],
    // As qBittorrent's General tab: the whole torrent, and the selected part when files are skipped.
    ['Total size', t.hasMetadata ? `${formatBytes(t.totalSize)} (${formatCount(t.totalSize)} bytes)` : '–'],
    ...(t.hasMetadata && t.size !== t.totalSize ? [['Selected', `${formatBytes(t.size)} (${formatCount(t.size)} bytes)`] as [string, string]] : []),
    ['Pieces', t.hasMetadata ? `${formatCount(t.pieceCount)} × ${formatBytes(t.pieceLength)}${i ? ` (last ${formatBytes(i.lastPieceLength)})` : ''}` : '–'],
    ['Comment', i?.comment ?? '–'],
    ['Created by', i?.createdBy ?? '–'],
    ['Created on', i?.creationDate ? formatDate(i.creationDate * 1000) : '–'],
    ['Private', i ? (i.private ? 'Yes (no DHT or PEX)' : 'No') : '–'],
    ['Save path', t.savePath],
    ['Added', formatDate(t.addedAt)],
    ['Completed', formatDate(t.completedAt)],
    ['Downloaded', `${formatBytes(t.downloaded)} this session`],
    ['Uploaded', `${formatBytes(t.uploaded)} this session`],
  ];
  return (
    <div className="info pad" data-testid="info-panel">
      <dl className="info__list">
        {rows.map(([k, v]) => (
          <div key={k} className="info__row">
            <dt>{k}</dt>
            <dd className={k === 'Info-hash' || k === 'Save path' ? 'mono selectable' : 'selectable'}>{v}</dd>
          </div>
        ))}
      </dl>
      <div className="info__actions">
        <TorrentOptions torrent={t} />
        {capabilities?.openFolder !== false && (
          <button type="button" className="btn" onClick={() => void controller.openFolder(t.infoHash)}><IconFolder /> Open folder</button>
        )}
      </div>
    </div>
  );
}
