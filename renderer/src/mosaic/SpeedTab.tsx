/** The Speed tab: download and upload over the last five minutes, this torrent's and the session's. */
import { useEffect, useRef, useState } from 'react';
import { useController } from '../app/context.js';
import { formatRate } from '../util/format.js';
import { SpeedHistory, SPEED_SAMPLES, type SpeedSeries } from './speedHistory.js';

/** One history per page, sampled once a second from the store while the app runs. */
const history = new SpeedHistory();
let sampler: ReturnType<typeof setInterval> | null = null;
let users = 0;

/** Starts sampling the store (once per page) while any caller is mounted. */
export function useSpeedSampler(): SpeedHistory {
  const controller = useController();
  useEffect(() => {
    users++;
    if (!sampler) sampler = setInterval(() => history.sample(controller.store.getState()), 1000);
    return () => {
      users--;
      if (users === 0 && sampler) {
        clearInterval(sampler);
        sampler = null;
      }
    };
  }, [controller]);
  return history;
}

export function SpeedTab({ infoHash }: { infoHash: string }) {
  const h = useSpeedSampler();
  const [, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(id);
  }, []);
  return (
    <div className="speed pad" data-testid="speed-panel">
      <SpeedChart title="This torrent" series={h.torrent(infoHash)} />
      <SpeedChart title="All torrents" series={h.session} />
    </div>
  );
}

function SpeedChart({ title, series }: { title: string; series: SpeedSeries | null }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const data = series?.ordered() ?? { down: [], up: [] };
  const peak = Math.max(1, ...data.down, ...data.up);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const w = canvas.width, hgt = canvas.height;
    const css = getComputedStyle(canvas);
    ctx.clearRect(0, 0, w, hgt);
    const line = (values: number[], color: string) => {
      if (values.length < 2) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      values.forEach((v, k) => {
        const x = w - (values.length - 1 - k) * (w / (SPEED_SAMPLES - 1));
        const y = hgt - 2 - (v / peak) * (hgt - 6);
        if (k === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
    };
    line(data.up, css.getPropertyValue('--grid-inflight').trim() || '#e8b34a');
    line(data.down, css.getPropertyValue('--accent').trim() || '#4c8dff');
  });
  const last = (values: number[]) => values.at(-1) ?? 0;
  return (
    <figure className="speed__chart" data-testid="speed-chart" data-samples={data.down.length}>
      <figcaption className="speed__caption">
        <strong>{title}</strong> · <span className="speed__down">↓ {formatRate(last(data.down))}</span> · <span className="speed__up">↑ {formatRate(last(data.up))}</span> · peak {formatRate(peak)} · last 5 min
      </figcaption>
      <canvas ref={ref} width={600} height={90} className="speed__canvas" aria-label={`${title}: download and upload over the last five minutes`} role="img" />
    </figure>
  );
}
