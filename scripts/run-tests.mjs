// Runs every test file under test/ with Node's built-in test runner and tsx as the TypeScript loader.
// Node 20's runner cannot expand globs itself, so the file list is collected here.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function collectTestFiles(dir) {
  const files = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...collectTestFiles(path));
    else if (name.endsWith('.test.ts')) files.push(relative(root, path));
  }
  return files;
}

const filters = process.argv.slice(2);
const files = collectTestFiles(join(root, 'test')).filter(
  (file) => filters.length === 0 || filters.some((filter) => file.includes(filter)),
);
if (files.length === 0) {
  console.error(`No test files match ${filters.join(', ')}`);
  process.exit(1);
}

const args = [
  '--import', 'tsx',
  '--import', './test/support/polyfills.ts',
  '--test',
  '--test-concurrency=2',
  // matrix-js-sdk leaves retry timers behind after stopClient(), which would keep a finished file alive.
  '--test-force-exit',
  '--test-reporter=spec',
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
