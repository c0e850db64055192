import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { growthRatio, median, percentile, summarize } from '../../bench/stats.js';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('uses the nearest rank', () => {
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 95), 95);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 100), 100);
  });

  it('returns the minimum at p0', () => {
    assert.equal(percentile(hundred, 0), 1);
  });

  it('ignores input order', () => {
    assert.equal(percentile([9, 1, 5, 3, 7], 50), 5);
  });

  it('rounds the rank up on small samples', () => {
    assert.equal(percentile([10, 20, 30], 50), 20);
    assert.equal(percentile([10, 20, 30], 99), 30);
    assert.equal(percentile([10, 20, 30, 40], 50), 20);
    assert.equal(percentile([10, 20, 30, 40], 51), 30);
  });

  it('returns NaN for an empty sample', () => {
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('rejects p outside 0 to 100', () => {
    assert.throws(() => percentile([1], 101), RangeError);
    assert.throws(() => percentile([1], -1), RangeError);
    assert.throws(() => percentile([1], Number.NaN), RangeError);
  });

  it('leaves the input unsorted', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    assert.deepEqual(values, [3, 1, 2]);
  });
});

describe('summarize', () => {
  it('reports count, extremes and mean', () => {
    const summary = summarize([4, 1, 3, 2]);
    assert.equal(summary.count, 4);
    assert.equal(summary.min, 1);
    assert.equal(summary.max, 4);
    assert.equal(summary.mean, 2.5);
    assert.equal(summary.p50, 2);
    assert.equal(summary.p99, 4);
  });

  it('gives NaN figures for no samples', () => {
    const summary = summarize([]);
    assert.equal(summary.count, 0);
    assert.ok(Number.isNaN(summary.p50));
    assert.ok(Number.isNaN(summary.mean));
  });

  it('median of an odd sample', () => {
    assert.equal(median([5, 1, 3]), 3);
  });
});

describe('growthRatio', () => {
  it('divides the last cost by the first', () => {
    assert.equal(growthRatio([2, 3, 4]), 2);
  });

  it('is NaN without a usable first cost', () => {
    assert.ok(Number.isNaN(growthRatio([])));
    assert.ok(Number.isNaN(growthRatio([0, 1])));
    assert.ok(Number.isNaN(growthRatio([Number.NaN, 1])));
  });
});
