import { formatPercent } from '../util/format.js';

/** A small progress bar with its percentage (file and peer rows). */
export function MiniBar({ value }: { value: number }) {
  return (
    <div className={value >= 1 ? 'bar bar--mini bar--done' : 'bar bar--mini'}>
      <div className="bar__fill" style={{ width: `${(value * 100).toFixed(1)}%` }} />
      <span className="bar__text">{formatPercent(value)}</span>
    </div>
  );
}
