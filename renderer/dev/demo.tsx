/** Demo page: the full UI on a simulated engine (`?select=<name>`, `?tab=peers`, `?empty`). */
import { mountSimulated } from './mount.js';
import { demoTorrents } from './sim.js';
import type { DetailsTab } from '../src/state/reducer.js';

const params = new URLSearchParams(location.search);
const torrents = params.has('empty') ? [] : demoTorrents();
const { controller } = mountSimulated({ torrents, wire: true }, params.get('select') ?? torrents[0]?.name);
const tab = params.get('tab');
if (tab === 'files' || tab === 'peers' || tab === 'trackers' || tab === 'info') controller.setTab(tab as DetailsTab);
