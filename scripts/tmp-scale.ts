import { makeData, runStep } from './bench-scale.js';
const work = '/tmp/scale-work';
await import('node:fs').then((fs) => fs.rmSync(work, { recursive: true, force: true }));
await import('node:fs').then((fs) => fs.mkdirSync(work, { recursive: true }));
await makeData(work, 10000);
const r = await runStep('add', work, 10000, 0, 0, 1024);
console.log(JSON.stringify(r));
