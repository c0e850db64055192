import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { BenchResults } from '../../bench/results.js';

const ROOT = new URL('../..', import.meta.url).pathname;

// The smallest run of every scenario: two senders, one size each, half a second of load.
const SMOKE_ARGS = [
  '--senders', '2', '--throughput-rooms', '2', '--latency-receivers', '2', '--rate', '20', '--duration', '0.5',
  '--sync-rooms', '2', '--history', '1', '--repeats', '1', '--join-users', '2', '--startup-repeats', '1',
];

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const isMeasured = (value: number | undefined) => typeof value === 'number' && Number.isFinite(value) && value >= 0;

// The run bundles src/ with esbuild and starts Lattice three times, which takes minutes on a busy 2-core machine.
describe('bench smoke run', { timeout: 480_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-bench-smoke-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('measures every scenario once', async () => {
    const jsonPath = join(dir, 'results.json');
    const run = await runBench([...SMOKE_ARGS, '--json', jsonPath]);
    assert.equal(run.code, 0, run.stderr);

    const results = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResults;
    assert.equal(results.target.startedByBench, true);
    assert.match(results.environment.commit, /^[0-9a-f]{4,}$|^unknown$/);
    assert.ok(isMeasured(results.startup?.freshMs.median));
    assert.ok(isMeasured(results.idleRssMB));

    const throughput = results.throughput?.[0];
    assert.ok(throughput);
    assert.ok(throughput.acknowledged > 0);
    assert.ok(isMeasured(throughput.eventsPerSecond));
    assert.equal(throughput.errors, 0);

    const latency = results.latency?.[0];
    assert.ok(latency);
    assert.ok(latency.delivered > 0);
    assert.ok(isMeasured(latency.deliveryMs.p99));

    const sync = results.initialSync?.[0];
    assert.ok(sync);
    assert.equal(sync.roomsReturned, 2);
    assert.ok(isMeasured(sync.initialMs.median));
    assert.ok(isMeasured(sync.oneMessageIncrementalMs.median));

    const storm = results.joinStorm?.[0];
    assert.ok(storm);
    assert.equal(storm.joined, 2);
    assert.equal(storm.membersAfter, 3);

    assert.equal(results.targets.length, 5);
    assert.match(run.stdout, /\| target \| limit \| measured \| met \|/);
    assert.match(readFileSync(join(dir, 'results.md'), 'utf8'), /#### Send throughput/);
  });

  it('rejects a remote URL without --allow-remote', async () => {
    const run = await runBench(['--url', 'http://192.0.2.1:8008', '--shared-secret', 'unused']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /not a loopback address/);
  });
});
