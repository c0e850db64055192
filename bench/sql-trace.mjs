// Preload for a Lattice server under the bench: times every better-sqlite3 prepare and statement
// call, and writes them to $LATTICE_BENCH_SQL_TRACE.<pid>.json when the process exits. Usage:
//   LATTICE_BENCH_SQL_TRACE=/tmp/sql npm run bench -- --server-node-args="--import ./bench/sql-trace.mjs"
// Summarise with: node --import tsx bench/sql-summary.ts /tmp/sql.<pid>.json [--window <startUs>-<endUs>]
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const target = process.env.LATTICE_BENCH_SQL_TRACE;
if (target) {
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3');
  const sqlIds = new Map();
  /** Flat records of [sql id, kind (0 prepare, 1 run, 2 all, 3 get, 4 iterate), start µs, duration µs]. */
  const calls = [];
  // CLOCK_MONOTONIC, the clock of --cpu-prof samples and of the bench's step times.
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const record = (sql, kind, startUs) => {
    let id = sqlIds.get(sql);
    if (id === undefined) sqlIds.set(sql, (id = sqlIds.size));
    calls.push(id, kind, startUs, nowUs() - startUs);
  };

  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function tracedPrepare(sql) {
    const startUs = nowUs();
    const statement = prepare.call(this, sql);
    record(sql, 0, startUs);
    ['run', 'all', 'get', 'iterate'].forEach((method, index) => {
      const original = statement[method];
      statement[method] = function tracedCall(...args) {
        const callStartUs = nowUs();
        try {
          return original.apply(this, args);
        } finally {
          record(sql, index + 1, callStartUs);
        }
      };
    });
    return statement;
  };

  process.on('exit', () => {
    writeFileSync(`${target}.${process.pid}.json`, JSON.stringify({ sql: [...sqlIds.keys()], calls }));
  });
}
