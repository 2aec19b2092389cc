/** Small stroke icons (24×24 viewBox), inline so no asset loading is needed. */
import type { ReactNode } from 'react';

function Icon({ children, size = 16 }: { children: ReactNode; size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor"
      strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

export const IconOpen = () => <Icon><path d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z" /><path d="M12 10v6M9 13l3 3 3-3" /></Icon>;
export const IconMagnet = () => <Icon><path d="M6 3v8a6 6 0 0 0 12 0V3" /><path d="M6 7h4M14 7h4M10 3v8a2 2 0 0 0 4 0V3" /></Icon>;
export const IconPause = () => <Icon><rect x="6" y="5" width="4" height="14" rx="1" /><rect x="14" y="5" width="4" height="14" rx="1" /></Icon>;
export const IconPlay = () => <Icon><path d="M7 4.5v15l12-7.5z" /></Icon>;
export const IconTrash = () => <Icon><path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3" /></Icon>;
export const IconSettings = () => <Icon><circle cx="12" cy="12" r="3" /><path d="M12 2v3M12 19v3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M2 12h3M19 12h3M4.9 19.1L7 17M17 7l2.1-2.1" /></Icon>;
export const IconCreate = () => <Icon><path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z" /><path d="M14 3v5h5M12 11v6M9 14h6" /></Icon>;
export const IconFolder = () => <Icon><path d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z" /></Icon>;
export const IconDown = () => <Icon size={14}><path d="M12 5v14M6 13l6 6 6-6" /></Icon>;
export const IconUp = () => <Icon size={14}><path d="M12 19V5M6 11l6-6 6 6" /></Icon>;
export const IconPeers = () => <Icon size={14}><circle cx="9" cy="8" r="3" /><path d="M3 20a6 6 0 0 1 12 0" /><circle cx="17" cy="9" r="2.5" /><path d="M16 14.5a5 5 0 0 1 6 5" /></Icon>;
export const IconClose = () => <Icon size={14}><path d="M6 6l12 12M18 6L6 18" /></Icon>;
export const IconAlert = () => <Icon><circle cx="12" cy="12" r="9" /><path d="M12 7v6M12 16.5v.5" /></Icon>;
export const IconInfo = () => <Icon><circle cx="12" cy="12" r="9" /><path d="M12 11v6M12 7.5v.5" /></Icon>;
export const IconDrop = () => <Icon size={48}><path d="M12 3v12M7 10l5 5 5-5" /><path d="M4 17v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" /></Icon>;

/** The Tessera mark: a 3×3 mosaic with a few tiles lit. */
export function Logo({ size = 20 }: { size?: number }) {
  const tiles: Array<[number, number, string]> = [
    [0, 0, 'var(--verified)'], [1, 0, 'var(--verified)'], [2, 0, 'var(--verified)'],
    [0, 1, 'var(--verified)'], [1, 1, 'var(--inflight)'], [2, 1, 'var(--tile-idle)'],
    [0, 2, 'var(--inflight)'], [1, 2, 'var(--tile-idle)'], [2, 2, 'var(--tile-idle)'],
  ];
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      {tiles.map(([x, y, fill]) => <rect key={`${x}${y}`} x={1 + x * 7.6} y={1 + y * 7.6} width={6.4} height={6.4} rx={1.4} fill={fill} />)}
    </svg>
  );
}
