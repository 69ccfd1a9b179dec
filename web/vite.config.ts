import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` proxies to a Parley started separately (npm run dev:server), so the UI reloads without it.
const parleyUrl = process.env.PARLEY_URL ?? 'http://localhost:3000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      '/api': parleyUrl,
      '/socket.io': { target: parleyUrl, ws: true },
    },
  },
});
