#!/usr/bin/env node
// Entry point installed as `lattice`; `npm run build` writes the bundled CLI to dist/bundle/.
// With source maps on, stack traces name the src/ files instead of the bundle's lines. The
// bundle is imported after that switch, because a static import would load before it.
process.setSourceMapsEnabled(true);
await import('../dist/bundle/main.js');
