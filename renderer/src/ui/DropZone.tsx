import { useEffect, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { useController } from '../app/context.js';
import { dragLooksAddable, extractMagnets } from '../util/input.js';
import { IconDrop } from './icons.js';
import { isEditable } from './Toolbar.js';

/**
 * The whole window is the drop zone: dragging over it shows an overlay; dropping .torrent
 * files or magnet links adds them. Ctrl/Cmd+V anywhere outside a text field pastes a magnet
 * link (or a copied .torrent file).
 */
export function DropZone({ children }: { children: ReactNode }) {
  const controller = useController();
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  // A drag that started in this page (selected text, a link) is no drop of something to add:
  // without this, dragging a torrent's name showed "Drop to add" and dropping it failed.
  const fromPage = useRef(false);
  useEffect(() => {
    const started = (): void => void (fromPage.current = true);
    const ended = (): void => void (fromPage.current = false);
    document.addEventListener('dragstart', started);
    document.addEventListener('dragend', ended);
    return () => {
      document.removeEventListener('dragstart', started);
      document.removeEventListener('dragend', ended);
    };
  }, []);

  const types = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []);

  const onDragEnter = (e: DragEvent<HTMLDivElement>) => {
    if (fromPage.current || !dragLooksAddable(types(e))) return;
    e.preventDefault();
    depth.current++;
    setDragging(true);
  };
  const onDragOver = (e: DragEvent<HTMLDivElement>) => {
    if (fromPage.current || !dragLooksAddable(types(e))) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    if (!dragging) setDragging(true);
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setDragging(false);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    depth.current = 0;
    setDragging(false);
    const dt = e.dataTransfer;
    if (!dt) return;
    const files = Array.from(dt.files ?? []);
    if (files.length > 0) {
      void controller.addFiles(files);
      return;
    }
    const uriList = safeGetData(dt, 'text/uri-list');
    const plain = safeGetData(dt, 'text/plain');
    const text = extractMagnets(uriList).length > 0 ? uriList : plain || uriList;
    if (text.trim()) void controller.addMagnetText(text);
    else controller.notify('error', 'Nothing to add: drop a .torrent file or a magnet link.');
  };

  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      if (isEditable(e.target) || document.querySelector('[role="dialog"]')) return;
      const cd = e.clipboardData;
      if (!cd) return;
      const files = Array.from(cd.files ?? []);
      e.preventDefault();
      if (files.length > 0) {
        void controller.addFiles(files);
        return;
      }
      const text = cd.getData('text/plain') || cd.getData('text/uri-list');
      if (text.trim()) void controller.addMagnetText(text);
      else controller.notify('error', 'The clipboard holds no magnet link.');
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, [controller]);

  return (
    <div className={dragging ? 'app drop-zone drop-zone--active' : 'app drop-zone'} data-testid="drop-zone" data-dragging={dragging}
      onDragEnter={onDragEnter} onDragOver={onDragOver} onDragLeave={onDragLeave} onDrop={onDrop}>
      {children}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-overlay__card">
            <IconDrop />
            <p className="drop-overlay__title">Drop to add</p>
            <p className="muted">.torrent files or magnet links</p>
          </div>
        </div>
      )}
    </div>
  );
}

function safeGetData(dt: DataTransfer, type: string): string {
  try {
    return dt.getData(type) || '';
  } catch {
    return '';
  }
}
