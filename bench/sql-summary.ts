// Summarises a trace written by sql-trace.mjs: calls, total and mean time per SQL statement,
// with prepare time counted apart. Usage:
//   node --import tsx bench/sql-summary.ts <trace.json> [--window <startUs>-<endUs>] [--top 20]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { markdownTable } from './report.js';

interface SqlTrace {
  sql: string[];
  calls: number[];
}

export interface StatementCost {
  sql: string;
  executions: number;
  executeMs: number;
  prepares: number;
  prepareMs: number;
}

const RECORD_SIZE = 4;

/** Totals per statement, keeping only calls that start inside `window` (monotonic microseconds) when given. */
export function summarizeSqlTrace(trace: SqlTrace, window?: [number, number]): StatementCost[] {
  const costs = trace.sql.map((sql) => ({ sql, executions: 0, executeMs: 0, prepares: 0, prepareMs: 0 }));
  for (let offset = 0; offset < trace.calls.length; offset += RECORD_SIZE) {
    const [id, kind, startUs, durationUs] = trace.calls.slice(offset, offset + RECORD_SIZE) as [number, number, number, number];
    if (window && (startUs < window[0] || startUs > window[1])) continue;
    const cost = costs[id];
    if (!cost) continue;
    if (kind === 0) {
      cost.prepares += 1;
      cost.prepareMs += durationUs / 1000;
    } else {
      cost.executions += 1;
      cost.executeMs += durationUs / 1000;
    }
  }
  return costs.filter((cost) => cost.executions + cost.prepares > 0).sort((a, b) => b.executeMs + b.prepareMs - (a.executeMs + a.prepareMs));
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { window: { type: 'string' }, top: { type: 'string', default: '20' } } });
  for (const path of positionals) {
    const window = values.window?.split('-').map(Number) as [number, number] | undefined;
    const costs = summarizeSqlTrace(JSON.parse(readFileSync(path, 'utf8')) as SqlTrace, window);
    const executions = costs.reduce((sum, cost) => sum + cost.executions, 0);
    const executeMs = costs.reduce((sum, cost) => sum + cost.executeMs, 0);
    const prepares = costs.reduce((sum, cost) => sum + cost.prepares, 0);
    const prepareMs = costs.reduce((sum, cost) => sum + cost.prepareMs, 0);
    process.stdout.write(`## ${path}\n\n${executions} statement executions (${Math.round(executeMs)} ms), ${prepares} prepares (${Math.round(prepareMs)} ms), ${costs.length} distinct statements.\n\n`);
    const rows = costs.slice(0, Number(values.top)).map((cost) => [
      cost.sql.replace(/\s+/g, ' ').slice(0, 160), cost.executions, Math.round(cost.executeMs), cost.executions === 0 ? undefined : (cost.executeMs * 1000) / cost.executions, cost.prepares, Math.round(cost.prepareMs),
    ]);
    process.stdout.write(`${markdownTable(['statement', 'executions', 'execute ms', 'µs each', 'prepares', 'prepare ms'], rows)}\n\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
