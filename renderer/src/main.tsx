import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectTessera } from '../../shared/contract/index.js';
import { ControllerProvider } from './app/context.js';
import { Controller } from './app/controller.js';
import { errorText } from '../../shared/error-text.js';
import { createAppStore } from './state/store.js';
import { App } from './ui/App.js';
import { ErrorBoundary } from './ui/ErrorBoundary.js';
import './styles.css';

const rootEl = document.getElementById('root');
if (!rootEl) throw new Error('missing #root');

try {
  // Electron: the preload's `window.tessera`; otherwise the web host that served this page
  // (WebSocket to the same origin with the access token from `?token=`, kept in sessionStorage).
  const client = connectTessera();
  const controller = new Controller(client, createAppStore());
  controller.start();
  createRoot(rootEl).render(
    <StrictMode>
      <ErrorBoundary>
        <ControllerProvider controller={controller}>
          <App />
        </ControllerProvider>
      </ErrorBoundary>
    </StrictMode>,
  );
} catch (err) {
  rootEl.textContent = `Tessera could not start: ${errorText(err)}`;
  rootEl.className = 'fatal';
}
