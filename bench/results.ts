import type { Environment } from './proc.js';
import { formatNumber, markdownTable } from './report.js';
import type { InitialSyncResult } from './scenarios/initial-sync.js';
import type { JoinStormResult } from './scenarios/join-storm.js';
import type { LatencyResult } from './scenarios/latency.js';
import type { StartupResult } from './scenarios/startup.js';
import type { ThroughputResult } from './scenarios/throughput.js';
import { growthRatio } from './stats.js';

/** Everything one run measured; written as the JSON output. */
export interface BenchResults {
  environment: Environment;
  target: { url: string; startedByBench: boolean; runtime?: string; database?: string; userSource: string };
  /** RSS of the started server one second after start, before any client connected, in MB. */
  idleRssMB?: number;
  /** RSS of the started server two seconds after the last scenario, in MB. */
  idleAfterLoadRssMB?: number;
  startup?: StartupResult;
  throughput?: ThroughputResult[];
  latency?: LatencyResult[];
  initialSync?: InitialSyncResult[];
  joinStorm?: JoinStormResult[];
  targets: TargetCheck[];
  /** Costs per unit of work across sizes; a ratio well above 1 means the cost grows with size. */
  growth: GrowthCheck[];
}

export interface TargetCheck {
  name: string;
  limit: string;
  measured: string;
  /** undefined when the run did not measure it (skipped scenario or size). */
  met: boolean | undefined;
}

export interface GrowthCheck {
  metric: string;
  sizes: number[];
  costs: Array<number | undefined>;
  ratio: number;
  /** True when the largest size costs more than GROWTH_LIMIT times the smallest. */
  grows: boolean;
}

/**
 * A cost ratio above this between the largest and smallest size is reported as growth. Sizes
 * differ by 4x to 64x, so a linear dependence shows far above it, and noise from other work on
 * the machine stays below it.
 */
export const GROWTH_LIMIT = 1.5;

// The targets the benchmark checks, for SQLite on a 2-core machine.
const MIN_EVENTS_PER_SECOND = 3000;
const TARGET_SENDERS = 16;
const MAX_DELIVERY_P99_MS = 20;
const TARGET_BACKGROUND_RATE = 500;
const MAX_INITIAL_SYNC_MS = 250;
const TARGET_SYNC_ROOMS = 500;
const MAX_IDLE_RSS_MB = 70;
const MAX_STARTUP_MS = 400;

export function checkTargets(results: Omit<BenchResults, 'targets' | 'growth'>): TargetCheck[] {
  const throughput = (results.throughput ?? []).filter((row) => row.senders === TARGET_SENDERS);
  const latency = (results.latency ?? []).filter((row) => row.targetRate === TARGET_BACKGROUND_RATE);
  const sync = (results.initialSync ?? []).find((row) => row.rooms === TARGET_SYNC_ROOMS);
  const idle = results.startup?.idleRssMB.median ?? results.idleRssMB;
  const startup = results.startup?.freshMs.median;
  const worst = <T>(rows: T[], value: (row: T) => number, pick: (a: number, b: number) => number) =>
    rows.length === 0 ? undefined : rows.map(value).reduce((a, b) => pick(a, b));
  const minRate = worst(throughput, (row) => row.eventsPerSecond, Math.min);
  const maxP99 = worst(latency, (row) => row.deliveryMs.p99, Math.max);
  return [
    check(`messages/s with ${TARGET_SENDERS} senders (lowest over room counts)`, `>= ${MIN_EVENTS_PER_SECOND}`, minRate, (v) => v >= MIN_EVENTS_PER_SECOND, ''),
    check(`delivery p99 at ${TARGET_BACKGROUND_RATE} messages/s (highest over receiver counts)`, `<= ${MAX_DELIVERY_P99_MS} ms`, maxP99, (v) => v <= MAX_DELIVERY_P99_MS, ' ms'),
    check(`initial /sync of a user in ${TARGET_SYNC_ROOMS} rooms (median)`, `<= ${MAX_INITIAL_SYNC_MS} ms`, sync?.initialMs.median, (v) => v <= MAX_INITIAL_SYNC_MS, ' ms'),
    check('idle RSS (median of fresh starts)', `<= ${MAX_IDLE_RSS_MB} MB`, idle, (v) => v <= MAX_IDLE_RSS_MB, ' MB'),
    check('start-up to the first /versions response (median, new database)', `<= ${MAX_STARTUP_MS} ms`, startup, (v) => v <= MAX_STARTUP_MS, ' ms'),
  ];
}

function check(name: string, limit: string, value: number | undefined, passes: (value: number) => boolean, unit: string): TargetCheck {
  if (value === undefined || Number.isNaN(value)) return { name, limit, measured: 'not measured', met: undefined };
  return { name, limit, measured: `${formatNumber(value)}${unit}`, met: passes(value) };
}

export function checkGrowth(results: Omit<BenchResults, 'targets' | 'growth'>): GrowthCheck[] {
  const checks: GrowthCheck[] = [];
  const add = <T>(metric: string, rows: T[] | undefined, size: (row: T) => number, cost: (row: T) => number | undefined) => {
    if (!rows || rows.length < 2) return;
    const costs = rows.map(cost);
    const ratio = growthRatio(costs.map((value) => value ?? Number.NaN));
    checks.push({ metric, sizes: rows.map(size), costs, ratio, grows: ratio > GROWTH_LIMIT });
  };
  add('server CPU ms per sent message, by room count', results.throughput, (row) => row.rooms, (row) => row.serverCpuMsPerEvent);
  add('server CPU ms per delivered message, by long-polling receivers', results.latency, (row) => row.receivers, (row) => row.serverCpuMsPerEvent);
  add('delivery p50 ms, by long-polling receivers', results.latency, (row) => row.receivers, (row) => row.deliveryMs.p50);
  add('initial /sync server CPU ms per room, by rooms', results.initialSync, (row) => row.rooms, (row) => row.serverCpuMsPerRoom);
  add('incremental /sync ms after one message, by rooms of the user', results.initialSync, (row) => row.rooms, (row) => row.oneMessageIncrementalMs.median);
  add('empty incremental /sync ms, by rooms of the user', results.initialSync, (row) => row.rooms, (row) => row.emptyIncrementalMs.median);
  add('server CPU ms per join, by joining users', results.joinStorm, (row) => row.users, (row) => row.serverCpuMsPerJoin);
  return checks;
}

/** Renders the results as a markdown section: machine and command first, then one table per scenario. */
export function renderMarkdown(results: BenchResults): string {
  const env = results.environment;
  const parts = [
    `### ${env.date.slice(0, 16).replace('T', ' ')} UTC, commit ${env.commit}${env.srcDirty ? ' (src/ had uncommitted changes)' : ''}`,
    '',
    `- Command: \`${env.command}\``,
    `- Machine: ${env.nproc} CPUs (${env.cpuModel}), ${formatNumber(env.memoryMiB / 1024)} GiB memory, Node ${env.node}`,
    `- Target: ${results.target.startedByBench ? `Lattice started by the bench (${results.target.runtime}, ${results.target.database})` : results.target.url}; accounts from ${results.target.userSource}`,
    '',
    '#### Targets',
    '',
    markdownTable(['target', 'limit', 'measured', 'met'], results.targets.map((t) => [t.name, t.limit, t.measured, verdict(t.met)])),
  ];
  if (results.startup) parts.push('', ...startupSection(results));
  if (results.throughput) parts.push('', ...throughputSection(results.throughput));
  if (results.latency) parts.push('', ...latencySection(results.latency));
  if (results.initialSync) parts.push('', ...initialSyncSection(results.initialSync));
  if (results.joinStorm) parts.push('', ...joinStormSection(results.joinStorm));
  if (results.growth.length > 0) parts.push('', ...growthSection(results.growth));
  return `${parts.join('\n')}\n`;
}

function verdict(met: boolean | undefined): string {
  if (met === undefined) return 'not measured';
  return met ? 'yes' : 'NO';
}

const load = (cost: { loadAverageBefore: number; loadAverageAfter: number }) => `${formatNumber(cost.loadAverageBefore, 2)} / ${formatNumber(cost.loadAverageAfter, 2)}`;

function startupSection(results: BenchResults): string[] {
  const s = results.startup as StartupResult;
  return [
    '#### Start-up and memory',
    '',
    markdownTable(['measure', 'median', 'min or max', 'samples'], [
      ['start-up to /versions, new database (ms)', s.freshMs.median, s.freshMs.min, s.freshMs.samples.map((v) => formatNumber(v, 0)).join(', ')],
      ['CPU time until /versions, new database (ms)', s.freshCpuMs?.median, s.freshCpuMs?.min, s.freshCpuMs?.samples.map((v) => formatNumber(v, 0)).join(', ') ?? ''],
      ['start-up to /versions, existing database (ms)', s.restartMs.median, s.restartMs.min, s.restartMs.samples.map((v) => formatNumber(v, 0)).join(', ')],
      ['idle RSS 1 s after start (MB)', s.idleRssMB.median, s.idleRssMB.max, s.idleRssMB.samples.map((v) => formatNumber(v)).join(', ')],
      ['idle RSS 2 s after the last scenario (MB)', results.idleAfterLoadRssMB, undefined, ''],
    ]),
  ];
}

function throughputSection(rows: ThroughputResult[]): string[] {
  return [
    '#### Send throughput',
    '',
    markdownTable(
      ['rooms', 'senders', 'events/s', 'send p50 ms', 'send p99 ms', 'errors', 'server CPU ms/event', 'bench CPU ms/event', 'peak RSS MB', 'load before / after'],
      rows.map((r) => [r.rooms, r.senders, r.eventsPerSecond, r.sendMs.p50, r.sendMs.p99, r.errors, r.serverCpuMsPerEvent,
        r.acknowledged === 0 ? undefined : r.cost.clientCpuMs / r.acknowledged, r.cost.peakRssMB, load(r.cost)]),
    ),
  ];
}

function latencySection(rows: LatencyResult[]): string[] {
  return [
    '#### Delivery latency (send response to long-polling /sync)',
    '',
    markdownTable(
      ['receivers', 'rate target/achieved', 'delivered/sent', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'missing', 'server CPU ms/event', 'peak RSS MB', 'load before / after'],
      rows.map((r) => [r.receivers, `${formatNumber(r.targetRate, 0)} / ${formatNumber(r.achievedRate, 0)}`, `${r.delivered} / ${r.sent}`,
        r.deliveryMs.p50, r.deliveryMs.p95, r.deliveryMs.p99, r.deliveryMs.max, r.missing, r.serverCpuMsPerEvent, r.cost.peakRssMB, load(r.cost)]),
    ),
  ];
}

function initialSyncSection(rows: InitialSyncResult[]): string[] {
  return [
    '#### Initial and incremental /sync',
    '',
    markdownTable(
      ['rooms', 'messages/room', 'initial median ms', 'initial min ms', 'response kB', 'server CPU ms/room', 'incremental empty ms', 'incremental 1 message ms', 'load before / after'],
      rows.map((r) => [r.rooms, r.historyPerRoom, r.initialMs.median, r.initialMs.min, Math.round(r.initialBytes / 1000), r.serverCpuMsPerRoom,
        r.emptyIncrementalMs.median, r.oneMessageIncrementalMs.median, load(r.initialCost)]),
    ),
  ];
}

function joinStormSection(rows: JoinStormResult[]): string[] {
  return [
    '#### Join storm (all users join one public room at once)',
    '',
    markdownTable(
      ['users', 'joined', 'errors', 'wall ms', 'joins/s', 'join p50 ms', 'join p99 ms', 'members after', 'server CPU ms/join', 'load before / after'],
      rows.map((r) => [r.users, r.joined, r.errors, r.wallMs, r.joinsPerSecond, r.joinMs.p50, r.joinMs.p99, r.membersAfter, r.serverCpuMsPerJoin, load(r.cost)]),
    ),
  ];
}

function growthSection(checks: GrowthCheck[]): string[] {
  return [
    `#### Cost as sizes grow (largest / smallest; above ${GROWTH_LIMIT} is reported as growth)`,
    '',
    markdownTable(
      ['cost', 'sizes', 'costs', 'ratio', 'verdict'],
      checks.map((c) => [c.metric, c.sizes.join(', '), c.costs.map((v) => formatNumber(v, 2)).join(', '), c.ratio, c.grows ? 'GROWS' : 'flat']),
    ),
  ];
}
