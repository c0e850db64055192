// Summarises V8 .cpuprofile files written by `node --cpu-prof`: self and inclusive time per
// function, and self time per source file and per package. Usage:
//   node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top 25] [--callers <function name>]
//     [--within <function name>] [--window <startUs>-<endUs>]
// The window takes the monotonicUs pair that the bench's JSON output records for each step.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { markdownTable } from './report.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionCost {
  name: string;
  location: string;
  selfMs: number;
  selfPercent: number;
  inclusiveMs: number;
  inclusivePercent: number;
}

export interface ProfileSummary {
  durationMs: number;
  /** Time the main thread ran JavaScript, native code or the garbage collector, so not (idle). */
  busyMs: number;
  functions: FunctionCost[];
  files: Array<{ file: string; selfMs: number; selfPercent: number }>;
}

// Pseudo-frames V8 adds: idle time is excluded from percentages; the others are kept as they are.
const IDLE = '(idle)';

/**
 * Computes self and inclusive time per function; percentages are of the busy (non-idle) time.
 * With `within`, only samples whose stack contains a function of that name count; with `window`,
 * only samples stamped between its two monotonic times in microseconds.
 */
export function summarizeProfile(profile: CpuProfile, within?: string, window?: [number, number]): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const files = new Map<string, number>();
  let busyMs = 0;
  let stampUs = profile.startTime;
  for (const [index, nodeId] of profile.samples.entries()) {
    // timeDeltas[i] is the time since the previous sample; it is charged to sample i.
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    stampUs += profile.timeDeltas[index] ?? 0;
    if (window && (stampUs < window[0] || stampUs > window[1])) continue;
    const node = byId.get(nodeId);
    if (!node || node.callFrame.functionName === IDLE) continue;
    if (within !== undefined && !stackContains(nodeId, within, byId, parent)) continue;
    busyMs += ms;
    const key = functionKey(node);
    self.set(key, (self.get(key) ?? 0) + ms);
    const file = fileKey(node.callFrame.url);
    files.set(file, (files.get(file) ?? 0) + ms);
    const seen = new Set<string>();
    for (let current: number | undefined = nodeId; current !== undefined; current = parent.get(current)) {
      const frame = byId.get(current);
      if (!frame) break;
      const frameKey = functionKey(frame);
      if (seen.has(frameKey)) continue;
      seen.add(frameKey);
      inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + ms);
    }
  }

  const percent = (ms: number) => (busyMs === 0 ? 0 : (ms * 100) / busyMs);
  const functions = [...inclusive.keys()].map((key) => {
    const [name = '', location = ''] = key.split('\t');
    const selfMs = self.get(key) ?? 0;
    const inclusiveMs = inclusive.get(key) ?? 0;
    return { name, location, selfMs, selfPercent: percent(selfMs), inclusiveMs, inclusivePercent: percent(inclusiveMs) };
  });
  return {
    durationMs: (profile.endTime - profile.startTime) / 1000,
    busyMs,
    functions,
    files: [...files.entries()].map(([file, ms]) => ({ file, selfMs: ms, selfPercent: percent(ms) })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

function stackContains(nodeId: number, name: string, byId: Map<number, ProfileNode>, parent: Map<number, number>): boolean {
  for (let current: number | undefined = nodeId; current !== undefined; current = parent.get(current)) {
    if (byId.get(current)?.callFrame.functionName === name) return true;
  }
  return false;
}

/** Time of the samples whose frame is `name`, grouped by the chain of its `depth` nearest callers. */
export function callersOf(profile: CpuProfile, name: string, depth = 6): Array<{ stack: string; ms: number }> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stacks = new Map<string, number>();
  for (const [index, nodeId] of profile.samples.entries()) {
    const node = byId.get(nodeId);
    if (!node || node.callFrame.functionName !== name) continue;
    const chain: string[] = [];
    for (let current = parent.get(nodeId); current !== undefined && chain.length < depth; current = parent.get(current)) {
      const frame = byId.get(current);
      if (frame) chain.push(functionKey(frame).replace('\t', ' '));
    }
    const stack = chain.join(' < ');
    stacks.set(stack, (stacks.get(stack) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  }
  return [...stacks.entries()].map(([stack, ms]) => ({ stack, ms })).sort((a, b) => b.ms - a.ms);
}

function functionKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const location = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}\t${location}`;
}

/** Groups a frame's URL by package (node_modules/<name>) or by file under src/; native frames stay as "(native)". */
function fileKey(url: string): string {
  if (!url) return '(native or V8)';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return `package ${packageMatch[1]}`;
  if (url.startsWith('node:')) return `node core ${url.slice(5).split('/')[0]}`;
  return shortUrl(url);
}

function shortUrl(url: string): string {
  const packageIndex = url.lastIndexOf('node_modules/');
  if (packageIndex >= 0) return url.slice(packageIndex + 'node_modules/'.length);
  // A bundle file contains many src/ files, and the profile gives no source map to tell them apart.
  const bundle = url.indexOf('/dist/bundle/');
  if (bundle >= 0) return url.slice(bundle + 1);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `src/${url.slice(dist + 6)}`;
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return url;
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, callers: { type: 'string' }, within: { type: 'string' }, window: { type: 'string' } } });
  const top = Number(values.top);
  for (const path of positionals) {
    const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
    if (values.callers !== undefined) {
      const rows = callersOf(profile, values.callers).slice(0, top);
      process.stdout.write(`${markdownTable(['callers of ' + values.callers, 'ms'], rows.map((row) => [row.stack, Math.round(row.ms)]))}\n`);
      continue;
    }
    const window = values.window?.split('-').map(Number) as [number, number] | undefined;
    const summary = summarizeProfile(profile, values.within, window);
    const ms = (value: number) => Math.round(value);
    const pct = (value: number) => Number(value.toFixed(1));
    const scope = values.within === undefined ? 'main thread busy' : `busy inside ${values.within}`;
    if (window && summary.busyMs === 0) process.stderr.write('no samples in --window; check that it comes from the same run as the profile\n');
    process.stdout.write(`## ${path}\n\nProfile ${ms(summary.durationMs)} ms, ${scope} ${ms(summary.busyMs)} ms.\n\n`);
    const bySelf = [...summary.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
    process.stdout.write(`${markdownTable(['function', 'location', 'self ms', 'self %', 'incl. %'], bySelf.map((f) => [f.name, f.location, ms(f.selfMs), pct(f.selfPercent), pct(f.inclusivePercent)]))}\n\n`);
    const ownCode = summary.functions.filter((f) => f.location.startsWith('src/')).sort((a, b) => b.inclusiveMs - a.inclusiveMs).slice(0, top);
    process.stdout.write(`Lattice functions by inclusive time:\n\n${markdownTable(['function', 'location', 'incl. ms', 'incl. %', 'self %'], ownCode.map((f) => [f.name, f.location, ms(f.inclusiveMs), pct(f.inclusivePercent), pct(f.selfPercent)]))}\n\n`);
    process.stdout.write(`Self time by file or package:\n\n${markdownTable(['file or package', 'self ms', 'self %'], summary.files.slice(0, top).map((f) => [f.file, ms(f.selfMs), pct(f.selfPercent)]))}\n\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
