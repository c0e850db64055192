import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkGrowth, checkTargets, renderMarkdown, type BenchResults } from '../../bench/results.js';
import { summarize } from '../../bench/stats.js';

const cost = { cpuMs: 100, peakRssMB: 80, clientCpuMs: 10, loadAverageBefore: 0.5, loadAverageAfter: 0.6, monotonicUs: [0, 1] as [number, number] };
const throughputRow = (rooms: number, eventsPerSecond: number, cpu: number) => ({
  rooms, senders: 16, durationMs: 1000, acknowledged: 100, errors: 0, eventsPerSecond, sendMs: summarize([1, 2]), cost, serverCpuMsPerEvent: cpu,
});

const measured = {
  environment: { date: '2026-01-01T00:00:00.000Z', nproc: 2, cpuModel: 'test CPU', memoryMiB: 2048, node: 'v20', commit: 'abc1234', srcDirty: false, command: 'npm run bench' },
  target: { url: 'http://127.0.0.1:1', startedByBench: true, runtime: 'build', database: 'SQLite', userSource: 'test' },
  throughput: [throughputRow(16, 4000, 1), throughputRow(1024, 3500, 3)],
};

describe('checkTargets', () => {
  const targets = checkTargets(measured);

  it('judges throughput on the slowest size', () => {
    assert.equal(targets[0]?.measured, '3500');
    assert.equal(targets[0]?.met, true);
  });

  it('leaves unmeasured targets undecided', () => {
    assert.equal(targets[2]?.met, undefined);
    assert.equal(targets[2]?.measured, 'not measured');
  });
});

describe('checkGrowth', () => {
  it('reports a cost that triples as growth', () => {
    const [growth] = checkGrowth(measured);
    assert.equal(growth?.ratio, 3);
    assert.equal(growth?.grows, true);
  });
});

describe('renderMarkdown', () => {
  it('names machine, commit and command', () => {
    const results: BenchResults = { ...measured, targets: checkTargets(measured), growth: checkGrowth(measured) };
    const markdown = renderMarkdown(results);
    assert.match(markdown, /commit abc1234/);
    assert.match(markdown, /2 CPUs \(test CPU\)/);
    assert.match(markdown, /`npm run bench`/);
    assert.match(markdown, /\| 1024 \| 16 \| 3500 \|/);
  });
});
