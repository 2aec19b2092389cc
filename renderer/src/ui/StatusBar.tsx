import { useApp } from '../app/context.js';
import { formatRate } from '../util/format.js';
import { formatLimit } from '../util/limits.js';
import { AltSpeedToggle } from './AltSpeedToggle.js';
import { IconDown, IconPeers, IconUp } from './icons.js';
import { StatisticsButton } from './StatisticsButton.js';

export function StatusBar() {
  const down = useApp((s) => s.session.downloadRate);
  const up = useApp((s) => s.session.uploadRate);
  const downLimit = useApp((s) => s.session.downloadLimit);
  const upLimit = useApp((s) => s.session.uploadLimit);
  const peers = useApp((s) => s.session.peers);
  const port = useApp((s) => s.session.listenPort);
  const connectable = useApp((s) => s.session.connectable);
  const reachability = useApp((s) => s.session.reachability);
  const count = useApp((s) => s.order.length);
  const connection = useApp((s) => s.connection);
  const transport = useApp((s) => s.capabilities?.transport ?? null);
  return (
    <footer className="statusbar" data-testid="status-bar">
      <span className={`conn conn--${connection}`} title={transport === 'web' ? 'Web UI connection' : 'Engine connection'}>
        <i className="conn__dot" />
        {connection === 'open' ? 'Connected' : connection === 'connecting' ? 'Connecting…' : 'Disconnected — retrying'}
      </span>
      <span className="statusbar__item">{count} torrent{count === 1 ? '' : 's'}</span>
      {port > 0 && <span className="statusbar__item muted">Port {port}</span>}
      {(connectable !== undefined || reachability !== undefined) && (
        // The engine says connectable or not only on evidence (the Health tab's rule); without it,
        // "unknown" — a loopback-only listener or one nobody dialled yet is not "Not connectable".
        <span className={`statusbar__item reach reach--${connectable === undefined ? 'unknown' : connectable ? 'yes' : 'no'}`} data-testid="status-connectable"
          data-connectable={connectable === undefined ? 'unknown' : String(connectable)} title={reachability ?? ''}>
          {connectable === undefined ? 'Reachability unknown' : connectable ? 'Connectable' : 'Not connectable'}
        </span>
      )}
      <span className="statusbar__spacer" />
      <StatisticsButton />
      <AltSpeedToggle />
      <span className="statusbar__item" title="Connected peers" data-testid="status-peers"><IconPeers /> {peers}</span>
      <span className="statusbar__item rate rate--down" title={`Total download rate (limit: ${formatLimit(downLimit)})`} data-testid="status-down" data-limit={downLimit}>
        <IconDown /> {formatRate(down)}{downLimit > 0 && <span className="rate__limit" data-testid="status-down-limit">[{formatLimit(downLimit)}]</span>}
      </span>
      <span className="statusbar__item rate rate--up" title={`Total upload rate (limit: ${formatLimit(upLimit)})`} data-testid="status-up" data-limit={upLimit}>
        <IconUp /> {formatRate(up)}{upLimit > 0 && <span className="rate__limit" data-testid="status-up-limit">[{formatLimit(upLimit)}]</span>}
      </span>
    </footer>
  );
}
