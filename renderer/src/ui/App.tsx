import { AddDialog } from './AddDialog.js';
import { Details } from './Details.js';
import { DropZone } from './DropZone.js';
import { Notices } from './Notices.js';
import { StatusBar } from './StatusBar.js';
import { VerticalSplit } from './Splitter.js';
import { Toolbar } from './Toolbar.js';
import { TorrentList } from './TorrentList.js';

export function App() {
  return (
    <DropZone>
      <Toolbar />
      <Notices />
      <main className="main">
        <VerticalSplit top={<TorrentList />} bottom={<Details />} />
      </main>
      <StatusBar />
      <AddDialog />
    </DropZone>
  );
}
