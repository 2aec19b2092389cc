import { Details } from './Details.js';
import { DropZone } from './DropZone.js';
import { Notices } from './Notices.js';
import { StatusBar } from './StatusBar.js';
import { Toolbar } from './Toolbar.js';
import { TorrentList } from './TorrentList.js';

export function App() {
  return (
    <DropZone>
      <Toolbar />
      <Notices />
      <main className="main">
        <TorrentList />
        <Details />
      </main>
      <StatusBar />
    </DropZone>
  );
}
