import { useMemo } from 'react';
import { useApp, useController } from '../app/context.js';
import { categoriesInUse, STATE_FILTER_LABEL, STATE_FILTERS, stateCounts, type StateFilter } from '../state/filters.js';

/** The list's filters: state (with counts), category (when any torrent has one) and the search box. */
export function FilterBar() {
  const controller = useController();
  const filter = useApp((s) => s.filter);
  const torrents = useApp((s) => s.torrents);
  const counts = useMemo(() => stateCounts(torrents), [torrents]);
  const categories = useMemo(() => categoriesInUse(torrents), [torrents]);
  const showCategories = categories.names.length > 0 || filter.category !== null;
  return (
    <div className="filters" role="search" aria-label="Filter torrents">
      <select className="input input--compact" aria-label="Show torrents by state" data-testid="state-filter" value={filter.state}
        onChange={(e) => controller.setFilter({ state: e.target.value as StateFilter })}>
        {STATE_FILTERS.map((f) => (
          <option key={f} value={f}>{STATE_FILTER_LABEL[f]} ({counts[f]})</option>
        ))}
      </select>
      {showCategories && (
        <select className="input input--compact" aria-label="Show torrents by category" data-testid="category-filter"
          value={filter.category === null ? '\u0000all' : filter.category}
          onChange={(e) => controller.setFilter({ category: e.target.value === '\u0000all' ? null : e.target.value })}>
          <option value={'\u0000all'}>All categories</option>
          {categories.uncategorized && <option value="">Uncategorized</option>}
          {categories.names.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
      )}
      <input type="search" className="input input--compact filters__search" placeholder="Search torrents" aria-label="Search torrents"
        data-testid="search-input" value={filter.search} spellCheck={false}
        onChange={(e) => controller.setFilter({ search: e.target.value })}
        onKeyDown={(e) => { if (e.key === 'Escape' && filter.search !== '') { e.stopPropagation(); controller.setFilter({ search: '' }); } }} />
    </div>
  );
}
