import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { redactUrl } from '../config/database.js';
import { createLogger, type Logger } from '../logging.js';
import { migrateToLatest, openDatabase, type Db } from '../storage/database.js';

const USAGE = `Usage: lattice port-db --sqlite <path> --postgres <url>

Copies a Lattice SQLite database into an empty PostgreSQL database, then checks row counts and a
sample of events. Stop the server first: writes made during the copy would be lost.

  --sqlite <path>     The SQLite file (database.path in lattice.yaml)
  --postgres <url>    The target, such as postgres://lattice:secret@127.0.0.1:5432/lattice; the
                      database must exist and contain no Lattice data
  -h, --help          Show this help

Afterwards set database: {type: postgres, url: ...} in lattice.yaml and start the server.
`;

// Tables of the migrator itself, which both sides fill on their own, and the stream counter,
// which is copied by value after the rows so it matches them.
const SKIPPED_TABLES = new Set(['schema_migrations', 'schema_migrations_lock', 'stream_counter']);
const BATCH_ROWS = 500;
const SAMPLED_EVENTS = 200;

type AnyDb = Kysely<any>;

/** `lattice port-db`: returns the exit code; prints progress to standard output. */
export async function runPortDb(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { sqlite: { type: 'string' }, postgres: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.sqlite || !values.postgres) {
    process.stderr.write(`Both --sqlite and --postgres are required.\n\n${USAGE}`);
    return 1;
  }
  const sqlitePath = resolve(values.sqlite);
  if (!existsSync(sqlitePath)) {
    process.stderr.write(`The SQLite database ${sqlitePath} does not exist; pass the database.path of lattice.yaml.\n`);
    return 1;
  }
  const targetUrl = parsePostgresUrl(values.postgres);
  if (!targetUrl) {
    process.stderr.write('--postgres must be a postgres:// or postgresql:// URL with a database name.\n');
    return 1;
  }
  const result = await portDatabase({ sqlitePath, postgresUrl: values.postgres, logger: createLogger({ level: 'warn', pretty: false }), print: (line) => process.stdout.write(`${line}\n`) });
  if (!result.ok) {
    process.stderr.write(`${result.message}\n`);
    return 1;
  }
  process.stdout.write(`Done: ${sqlitePath} copied to ${redactUrl(targetUrl)}. Set database.type to postgres in lattice.yaml and start the server.\n`);
  return 0;
}

export interface PortOptions {
  sqlitePath: string;
  postgresUrl: string;
  logger: Logger;
  print: (line: string) => void;
}

/** Copies every table; returns ok: false with a message when the target is not empty or a check fails. */
export async function portDatabase(options: PortOptions): Promise<{ ok: true } | { ok: false; message: string }> {
  const source = await openDatabase({ type: 'sqlite', path: options.sqlitePath });
  const target = await openDatabase({ type: 'postgres', connection: { url: options.postgresUrl }, pool: { min: 0, max: 2 } }, options.logger);
  try {
    const refusal = await checkTargetEmpty(target);
    if (refusal) return { ok: false, message: refusal };
    // Both sides at the newest schema, so every source table has a matching target table.
    await migrateToLatest(source, options.logger);
    await migrateToLatest(target, options.logger);

    const tables = await copyableTables(source);
    await target.transaction().execute(async (trx) => {
      for (const table of tables) {
        const copied = await copyTable(source, trx, table);
        options.print(`copied ${copied} rows of ${table}`);
      }
      await copyStreamCounters(source, trx);
      await advanceSequences(trx);
    });

    const mismatch = (await verifyCounts(source, target, tables)) ?? (await verifyEventSample(source, target));
    if (mismatch) return { ok: false, message: `Verification failed: ${mismatch}. Drop and recreate the target database, then run port-db again.` };
    options.print(`verified row counts of ${tables.length} tables and a sample of events`);
    return { ok: true };
  } finally {
    await source.destroy();
    await target.destroy();
  }
}

function parsePostgresUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    if ((url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.pathname.length > 1) return url;
  } catch {
    // Not a URL at all; the caller prints the expected form.
  }
  return undefined;
}

/** Returns why the target cannot receive the copy, or undefined when it has no Lattice data. */
async function checkTargetEmpty(target: Db): Promise<string | undefined> {
  const tables = (await target.introspection.getTables()).map((table) => table.name);
  for (const table of tables) {
    if (SKIPPED_TABLES.has(table)) continue;
    const row = await (target as AnyDb).selectFrom(table).select(sql<number>`count(*)`.as('count')).executeTakeFirstOrThrow();
    if (Number(row.count) > 0) {
      return `The target database is not empty: table ${table} has ${row.count} rows. port-db copies only into an empty database; create a new one (CREATE DATABASE ...) and pass its URL.`;
    }
  }
  return undefined;
}

async function copyableTables(source: Db): Promise<string[]> {
  const tables = await source.introspection.getTables();
  return tables.map((table) => table.name).filter((name) => !SKIPPED_TABLES.has(name)).sort();
}

/**
 * Copies one table in rowid order, BATCH_ROWS rows per INSERT; returns the row count.
 * NOTE: PostgreSQL text cannot contain the NUL character, which SQLite accepts; a row with one
 * fails the copy, and the whole copy rolls back.
 */
async function copyTable(source: Db, target: AnyDb, table: string): Promise<number> {
  let lastRowid = Number.MIN_SAFE_INTEGER;
  let copied = 0;
  for (;;) {
    const { rows } = await sql<Record<string, unknown> & { lattice_rowid: number }>`
      SELECT rowid AS lattice_rowid, * FROM ${sql.table(table)} WHERE rowid > ${lastRowid} ORDER BY rowid LIMIT ${BATCH_ROWS}`.execute(source);
    if (rows.length === 0) return copied;
    lastRowid = rows[rows.length - 1]!.lattice_rowid;
    const values = rows.map(({ lattice_rowid: _rowid, ...columns }) => columns);
    await target.insertInto(table).values(values).execute();
    copied += rows.length;
  }
}

async function copyStreamCounters(source: Db, target: AnyDb): Promise<void> {
  const counters = await source.selectFrom('stream_counter').selectAll().execute();
  for (const counter of counters) {
    await target.insertInto('stream_counter').values(counter)
      .onConflict((oc: any) => oc.column('name').doUpdateSet({ position: counter.position }))
      .execute();
  }
}

/**
 * Moves the sequence of each serial column (`content_reports.id`) past the copied ids, because
 * inserting explicit values does not advance it and the next insert would reuse id 1.
 */
async function advanceSequences(target: AnyDb): Promise<void> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`.execute(target);
  for (const { table_name: table, column_name: column } of rows) {
    await sql`SELECT setval(pg_get_serial_sequence(${table}, ${column}), (SELECT coalesce(max(${sql.ref(column)}), 0) + 1 FROM ${sql.table(table)}), false)`.execute(target);
  }
}

async function verifyCounts(source: Db, target: Db, tables: string[]): Promise<string | undefined> {
  for (const table of [...tables, 'stream_counter']) {
    const count = async (db: Db) => Number((await (db as AnyDb).selectFrom(table).select(sql<number>`count(*)`.as('count')).executeTakeFirstOrThrow()).count);
    const [expected, actual] = [await count(source), await count(target)];
    if (expected !== actual) return `table ${table} has ${actual} rows in PostgreSQL but ${expected} in SQLite`;
  }
  const [sourceCounter, targetCounter] = await Promise.all([source, target].map((db) => db.selectFrom('stream_counter').selectAll().orderBy('name').execute()));
  if (JSON.stringify(sourceCounter) !== JSON.stringify(targetCounter)) return 'the stream counters differ';
  return undefined;
}

/** Compares every column of up to SAMPLED_EVENTS events spread evenly over the stream, and the newest. */
async function verifyEventSample(source: Db, target: Db): Promise<string | undefined> {
  const orderings = await source.selectFrom('events').select('stream_ordering').orderBy('stream_ordering').execute();
  if (orderings.length === 0) return undefined;
  const step = Math.max(1, Math.floor(orderings.length / SAMPLED_EVENTS));
  const sample = orderings.filter((_, index) => index % step === 0).map((row) => row.stream_ordering);
  sample.push(orderings[orderings.length - 1]!.stream_ordering);
  for (const position of sample) {
    const [expected, actual] = await Promise.all([source, target].map((db) => db.selectFrom('events').selectAll().where('stream_ordering', '=', position).executeTakeFirst()));
    if (JSON.stringify(expected) !== JSON.stringify(actual)) return `event at stream position ${position} differs`;
  }
  return undefined;
}
