// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { IN_FLIGHT, MISSING, SKIPPED, VERIFIED, summarizeRun } from './layout.js';
import { PieceField } from './pieceField.js';
import { describeRun, PieceGrid } from './PieceGrid.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let root: Root | null = null;
let box: HTMLDivElement | null = null;
afterEach(() => {
  act(() => root?.unmount());
  box?.remove();
  root = null;
  box = null;
});

function mount(field: PieceField | null): HTMLCanvasElement {
  box = document.createElement('div');
  document.body.append(box);
  root = createRoot(box);
  act(() => root!.render(<PieceGrid field={field} />));
  return box.querySelector('canvas')!;
}

describe('PieceGrid text alternative', () => {
  it('says how many pieces have landed, and keeps saying it as they land (screen readers get what the mosaic shows)', async () => {
    const field = new PieceField(256);
    field.load(Uint8Array.from({ length: 256 }, (_, i) => (i < 48 ? VERIFIED : 0)));
    const canvas = mount(field);
    expect(canvas.getAttribute('role')).toBe('img');
    expect(canvas.getAttribute('aria-label')).toBe('Piece map: 48 of 256 pieces verified');
    // Pieces verified between React renders (the stream writes the field directly).
    await act(async () => {
      field.setPiece(48, VERIFIED);
      field.setPiece(49, IN_FLIGHT, 0.5);
      await Promise.resolve();
    });
    expect(canvas.getAttribute('aria-label')).toBe('Piece map: 49 of 256 pieces verified');
  });

  it('counts skipped pieces apart (data-skipped, the label): a torrent whose wanted files are done does not read as unfinished', async () => {
    const field = new PieceField(10);
    field.load([VERIFIED, VERIFIED, VERIFIED, VERIFIED, SKIPPED, SKIPPED, SKIPPED, SKIPPED, SKIPPED, SKIPPED]);
    const canvas = mount(field);
    expect(canvas.dataset.verified).toBe('4');
    expect(canvas.dataset.skipped).toBe('6');
    expect(canvas.getAttribute('aria-label')).toBe('Piece map: 4 of 10 pieces verified, 6 skipped (not downloaded)');
    await act(async () => {
      field.setPiece(4, MISSING); // its file is wanted again
      await Promise.resolve();
    });
    expect(canvas.dataset.skipped).toBe('5');
    expect(canvas.dataset.verified).toBe('4');
    expect(canvas.getAttribute('aria-label')).toBe('Piece map: 4 of 10 pieces verified, 5 skipped (not downloaded)');
  });

  it('the tooltip names a skipped piece as skipped, not missing, and gives no availability for it', () => {
    const state = Uint8Array.from([SKIPPED, VERIFIED, SKIPPED, MISSING]);
    const none = new Float32Array(4);
    const avail = Uint16Array.from([3, 3, 3, 2]);
    expect(describeRun(summarizeRun(state, none, avail, 0, 1)).lines).toEqual(['Skipped — its files are set to "Do not download"']);
    expect(describeRun(summarizeRun(state, none, avail, 0, 3)).lines).toEqual(['1 of 3 verified · 2 skipped', '33% complete']);
    expect(describeRun(summarizeRun(state, none, avail, 2, 4)).lines).toEqual(['0 of 2 verified · 1 skipped', '0% complete', 'Available from 2 peers']);
  });

  it('one piece, and no torrent', () => {
    const one = new PieceField(1);
    one.load([VERIFIED]);
    expect(mount(one).getAttribute('aria-label')).toBe('Piece map: 1 of 1 piece verified');
    act(() => root!.unmount());
    box!.remove();
    expect(mount(null).getAttribute('aria-label')).toBe('Piece map');
  });
});
