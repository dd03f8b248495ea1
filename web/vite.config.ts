/**
 * The web UI's build: `npm run build:web` (also run by `npm start` and `npm test` when the
 * sources are newer than the build) writes web/dist, which `flowgate serve` serves.
 * `npm run dev:web` serves the sources with hot reload, proxying /api to a server on :3000.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/review': 'http://127.0.0.1:3000' } },
});
