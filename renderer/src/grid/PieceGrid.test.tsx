// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { IN_FLIGHT, VERIFIED } from './layout.js';
import { PieceField } from './pieceField.js';
import { PieceGrid } from './PieceGrid.js';

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

  it('one piece, and no torrent', () => {
    const one = new PieceField(1);
    one.load([VERIFIED]);
    expect(mount(one).getAttribute('aria-label')).toBe('Piece map: 1 of 1 piece verified');
    act(() => root!.unmount());
    box!.remove();
    expect(mount(null).getAttribute('aria-label')).toBe('Piece map');
  });
});
