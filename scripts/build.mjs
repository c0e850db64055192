// Bundles the Lattice CLI and server with esbuild into dist/bundle/ (type-checking is tsc's job in
// `npm run build`). One bundle starts faster than hundreds of ES modules, because Node's module
// loader reads, resolves and links every file on its own (see docs/benchmarks.md).
//
// Usage: node scripts/build.mjs [--outdir DIR]
// The output folder must sit two levels below a folder that contains package.json and
// node_modules, as dist/bundle does: src/admin/version.ts reads ../../package.json and
// src/cli/generate-config.ts takes ../.. as the installation folder, relative to the bundle.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * Packages left as ordinary imports from node_modules:
 * - better-sqlite3 and sharp load native addons by file path.
 * - pg-native is an optional native driver that pg requires only when asked for it.
 * - pino starts its transports (pino-pretty) in a worker thread from files it finds next to its
 *   own sources, which a bundle would no longer have.
 */
export const EXTERNAL_PACKAGES = ['better-sqlite3', 'sharp', 'pg-native', 'pino', 'pino-pretty'];

// Bundled CommonJS packages call require() for Node built-ins, which an ES module lacks.
const REQUIRE_BANNER = "import { createRequire as __latticeCreateRequire } from 'node:module';\nconst require = __latticeCreateRequire(import.meta.url);";

/** Writes dist/bundle/main.js (or OUTDIR/main.js) and the chunks of its lazily imported modules. */
export async function buildBundle(outdir = join(ROOT, 'dist/bundle')) {
  // esbuild does not delete chunks of an earlier build, whose hashed names no longer match.
  rmSync(outdir, { recursive: true, force: true });
  return build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Each dynamic import() (a CLI command, pg, sharp, prom-client, openid-client, @fastify/static)
    // stays a separate chunk that loads on first use, as in the unbundled build.
    splitting: true,
    external: EXTERNAL_PACKAGES,
    banner: { js: REQUIRE_BANNER },
    // Stack traces name src/ files once source maps are enabled, as bin/lattice.js does.
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const { values } = parseArgs({ options: { outdir: { type: 'string' } } });
  await buildBundle(values.outdir === undefined ? undefined : resolve(values.outdir));
}
