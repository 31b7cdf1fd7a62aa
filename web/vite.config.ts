import { defineConfig } from 'vite';

// The stockpulse binary serves dist/ itself; `npm run dev` proxies the API to a running
// `stockpulse serve` (or sp_serve_demo) on 127.0.0.1:8080.
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/metrics': 'http://127.0.0.1:8080',
      '/healthz': 'http://127.0.0.1:8080',
    },
  },
});
