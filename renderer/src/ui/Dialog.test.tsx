// @vitest-environment happy-dom
import { act, useState } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dialog } from './Dialog.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLDivElement;
let root: Root;
let rerender: () => void = () => undefined;

/** A list-like focusable element, a button that opens the dialog, and the dialog (two fields, two buttons). */
function Page() {
  const [open, setOpen] = useState(false);
  const [, setTick] = useState(0);
  rerender = () => setTick((n) => n + 1);
  return (
    <>
      <div tabIndex={0} data-testid="list" />
      <button type="button" data-testid="opener" onClick={() => setOpen(true)}>Open</button>
      {open && (
        // A new onCancel on every render, as an inline arrow gives.
        <Dialog title="Limits" onCancel={() => setOpen(false)} testId="dialog">
          <input data-testid="first" />
          <input data-testid="second" />
          <button type="button" data-testid="cancel" onClick={() => setOpen(false)}>Cancel</button>
          <button type="button" data-testid="save">Save</button>
        </Dialog>
      )}
    </>
  );
}

const $ = (id: string) => container.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const press = (key: string, shiftKey = false) => act(async () => {
  (document.activeElement ?? document.body).dispatchEvent(new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, cancelable: true }));
});

beforeEach(async () => {
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
  await act(async () => root.render(<Page />));
});

afterEach(async () => {
  await act(async () => root.unmount());
  container.remove();
});

async function openFrom(id: string): Promise<void> {
  $(id)?.focus();
  await act(async () => $('opener')?.click());
}

describe('Dialog focus', () => {
  it('moves focus into the dialog and gives it back where it was when Escape closes it', async () => {
    $('list')?.focus();
    await openFrom('list');
    expect(document.activeElement).toBe($('first'));
    await press('Escape');
    expect($('dialog')).toBeNull();
    expect(document.activeElement).toBe($('list'));
  });

  it('gives focus back when a button inside closes it', async () => {
    await openFrom('opener');
    await act(async () => $('cancel')?.click());
    expect($('dialog')).toBeNull();
    expect(document.activeElement).toBe($('opener'));
  });

  it('leaves focus in the field being typed in when the parent renders again', async () => {
    await openFrom('opener');
    $('second')?.focus();
    await act(async () => rerender());
    expect(document.activeElement).toBe($('second'));
  });

  it('Tab and Shift+Tab cycle inside the dialog', async () => {
    await openFrom('opener');
    $('save')?.focus();
    await press('Tab');
    expect(document.activeElement).toBe($('first'));
    await press('Tab', true);
    expect(document.activeElement).toBe($('save'));
  });
});
