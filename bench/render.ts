// Renders the markdown report of a results JSON file again, with the target and growth checks
// recomputed by this checkout's results.ts. Usage: node --import tsx bench/render.ts <results.json>
import { readFileSync } from 'node:fs';
import { checkGrowth, checkTargets, renderMarkdown, type BenchResults } from './results.js';

for (const path of process.argv.slice(2)) {
  const stored = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
  process.stdout.write(renderMarkdown({ ...stored, targets: checkTargets(stored), growth: checkGrowth(stored) }));
}
