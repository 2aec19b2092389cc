import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Vite injects import.meta.dirname into config files; no node:* import needed here.
const here = import.meta.dirname;

// Built into dist/renderer/ at the repo top. `base: './'` keeps every asset URL relative so the
// same build loads from file:// in Electron and from the web host at any path. No inline
// scripts are emitted (the app's CSP is `script-src 'self'`).
export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: `${here}/../dist/renderer`,
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
  },
  server: { host: '127.0.0.1' },
});
