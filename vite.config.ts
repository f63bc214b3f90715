import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The dashboard: Preact through esbuild's automatic JSX runtime (no React plugin), built into
// dist/dashboard, which `keywarden serve` serves itself. No CDN, no inline script: the strict CSP
// of the server (default-src 'self') must hold for every file produced here.
export default defineConfig({
  root: fileURLToPath(new URL("web", import.meta.url)),
  base: "/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: fileURLToPath(new URL("dist/dashboard", import.meta.url)),
    emptyOutDir: true,
    // The polyfill would be a separate inline concern; every browser we target has modulepreload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: "es2022",
  },
});
