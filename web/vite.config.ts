import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), tailwindcss()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev:web` proxies the API to a Pilox started with `npm run dev`.
    proxy: { '/api': 'http://localhost:8080', '/a2a': 'http://localhost:8080', '/.well-known': 'http://localhost:8080' },
  },
});
