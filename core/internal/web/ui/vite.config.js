// Builds the dashboard into ../dist, which the core embeds (go:embed).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 200,
  },
});
