// Measures what loading each package costs a fresh node process: RSS (VmRSS) and wall time of
// the import, each in its own process, against a process that imports nothing. Usage:
//   node bench/import-cost.mjs [package ...]     (default: Lattice's runtime dependencies)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const PROBE = `
const started = performance.now();
for (const name of process.argv.slice(1)) await import(name);
const ms = performance.now() - started;
await new Promise((resolve) => setTimeout(resolve, 300));
const kib = Number(/VmRSS:\\s+(\\d+)/.exec((await import('node:fs')).readFileSync('/proc/self/status', 'utf8'))[1]);
console.log(JSON.stringify({ ms, rssMB: (kib * 1024) / 1e6 }));
`;

const root = new URL('..', import.meta.url);
const packages = process.argv.length > 2
  ? process.argv.slice(2)
  : Object.keys(JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).dependencies).filter((name) => name !== 'pino-pretty');

function probe(names) {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, ...names], { cwd: root, encoding: 'utf8' });
  return JSON.parse(output.trim());
}

const base = probe([]);
console.log(`| package | import ms | RSS MB | RSS above bare node MB |`);
console.log(`| --- | ---: | ---: | ---: |`);
console.log(`| (nothing) | 0 | ${base.rssMB.toFixed(1)} | 0 |`);
for (const name of packages) {
  const cost = probe([name]);
  console.log(`| ${name} | ${cost.ms.toFixed(0)} | ${cost.rssMB.toFixed(1)} | ${(cost.rssMB - base.rssMB).toFixed(1)} |`);
}
const all = probe(packages);
console.log(`| all of the above | ${all.ms.toFixed(0)} | ${all.rssMB.toFixed(1)} | ${(all.rssMB - base.rssMB).toFixed(1)} |`);
