#!/usr/bin/env node
// Entry point installed as `lattice`; the compiled CLI lives in dist/ after `npm run build`.
import '../dist/cli/main.js';
