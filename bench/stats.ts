/** Summary statistics of a sample, in the sample's unit. */
export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Returns the p-th percentile (0 to 100) of the values by the nearest-rank method: the smallest
 * value that at least p percent of the sample is less than or equal to. Returns NaN for an empty sample.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, min: Number.NaN, mean: Number.NaN, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    min: sorted[0] as number,
    mean: sum / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] as number,
  };
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * Ratio of the cost at the largest size to the cost at the smallest. A flat cost gives about 1;
 * returns NaN when either end is missing or zero.
 */
export function growthRatio(costs: readonly number[]): number {
  const first = costs[0];
  const last = costs[costs.length - 1];
  if (first === undefined || last === undefined || !(first > 0) || !Number.isFinite(last)) return Number.NaN;
  return last / first;
}
