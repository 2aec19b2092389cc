import { useApp } from '../app/context.js';
import { formatRate } from '../util/format.js';
import { IconDown, IconPeers, IconUp } from './icons.js';

export function StatusBar() {
  const down = useApp((s) => s.session.downloadRate);
  const up = useApp((s) => s.session.uploadRate);
  const peers = useApp((s) => s.session.peers);
  const port = useApp((s) => s.session.listenPort);
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
      <span className="statusbar__spacer" />
      <span className="statusbar__item" title="Connected peers" data-testid="status-peers"><IconPeers /> {peers}</span>
      <span className="statusbar__item rate rate--down" title="Total download rate" data-testid="status-down"><IconDown /> {formatRate(down)}</span>
      <span className="statusbar__item rate rate--up" title="Total upload rate" data-testid="status-up"><IconUp /> {formatRate(up)}</span>
    </footer>
  );
}
