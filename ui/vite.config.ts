import { svelte } from '@sveltejs/vite-plugin-svelte';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The router CA that `make run`'s API made in ./var on its first start: the dev proxy trusts it and nothing else.
const devCaFile = fileURLToPath(new URL('../var/certs/ca.pem', import.meta.url));
const devCa = existsSync(devCaFile) ? readFileSync(devCaFile, 'utf8') : undefined;

// The API serves this build under `script-src 'self'; style-src 'self'`, so everything must
// land in external files: component CSS is emitted (never injected at runtime), nothing is
// inlined as a data: URL, and no module-preload polyfill is added (every browser we target
// supports modulepreload).
export default defineConfig({
  base: '/',
  resolve: {
    alias: {
      $lib: fileURLToPath(new URL('./src/lib', import.meta.url)),
      // The API's pure rule modules (names, password length), bundled from their sources so the page and the
      // API share one copy. Only what a page imports is bundled: import no file that reaches Nest or Node.
      '@burrow/api': fileURLToPath(new URL('../api/src', import.meta.url)),
    },
  },
  plugins: [svelte({ emitCss: true, compilerOptions: { css: 'external' } })],
  build: {
    target: 'es2022',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    // `npm run dev -w ui` next to a running API (make run): forward API calls to its HTTPS listener.
    proxy: {
      '/api': {
        target: {
          protocol: 'https:',
          host: '127.0.0.1',
          port: Number(process.env.BURROW_HTTPS_PORT ?? '8443'),
          ...(devCa === undefined ? {} : { ca: devCa }),
        },
      },
    },
  },
});
