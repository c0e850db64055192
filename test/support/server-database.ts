// Reads a test server's database directly, as an operator would, on the backend the server was
// started with. Tests use it only for facts that no API exposes, such as internal tables.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { CompiledQuery } from 'kysely';
import { createLogger } from '../../src/logging.js';
import type { DatabaseConfig } from '../../src/config/schema.js';
import { openDatabase, type Db } from '../../src/storage/database.js';
import type { TestServer } from './server.js';

/** Opens the database of a test server (stopped or running) with its own connection. */
export async function openServerDatabase(server: Pick<TestServer, 'databaseConfig'>): Promise<Db> {
  const config = server.databaseConfig as { type: string; path?: string; url?: string };
  const database: DatabaseConfig = config.type === 'postgres'
    ? { type: 'postgres', connection: { url: config.url! }, pool: { min: 0, max: 2 } }
    : { type: 'sqlite', path: config.path! };
  return openDatabase(database, createLogger({ level: 'silent', pretty: false }));
}

/**
 * Runs one SQL statement on the server's database and returns its rows. Parameters are written
 * as `?` and become `$1`, `$2`... on PostgreSQL.
 * NOTE: the rewrite replaces every `?`, so the statement must not hold one inside a string literal.
 * PostgreSQL returns `count(*)` and other bigint values as strings, so callers convert them.
 */
export async function queryServerDatabase<Row>(server: Pick<TestServer, 'databaseConfig'>, text: string, params: readonly unknown[] = []): Promise<Row[]> {
  const db = await openServerDatabase(server);
  try {
    return await runQuery<Row>(db, server, text, params);
  } finally {
    await db.destroy();
  }
}

async function runQuery<Row>(db: Db, server: Pick<TestServer, 'databaseConfig'>, text: string, params: readonly unknown[]): Promise<Row[]> {
  const isPostgres = (server.databaseConfig as { type: string }).type === 'postgres';
  let position = 0;
  const statement = isPostgres ? text.replace(/\?/g, () => `$${++position}`) : text;
  const result = await db.executeQuery<Row>(CompiledQuery.raw(statement, [...params]));
  return result.rows;
}

/**
 * Returns the places in the server's database that contain `text`. On SQLite it searches the bytes of the
 * database and WAL files, which also covers freed pages. On PostgreSQL it searches the text form
 * of every row of every table in the public schema.
 */
export async function databasePlacesContaining(server: Pick<TestServer, 'databaseConfig'>, text: string): Promise<string[]> {
  const config = server.databaseConfig as { type: string; path?: string };
  if (config.type !== 'postgres') {
    return [config.path!, `${config.path!}-wal`].filter((path) => existsSync(path) && readFileSync(path).includes(text));
  }

  return withEachTable(server, async (db, table) => {
    // strpos rather than LIKE, so `%` and `_` in the text match only themselves.
    const [row] = await runQuery<{ n: string }>(db, server, `SELECT count(*) AS n FROM "${table}" AS r WHERE strpos(r::text, ?) > 0`, [text]);
    return Number(row?.n) > 0 ? [`table ${table}`] : [];
  });
}

/**
 * Returns a hash that changes when anything is written to the server's database. On SQLite it
 * hashes the database, WAL and shared-memory files. On PostgreSQL it hashes every row of every
 * table in the public schema, sorted by its text form.
 */
export async function databaseFingerprint(server: Pick<TestServer, 'databaseConfig'>): Promise<string> {
  const hash = createHash('sha256');
  const config = server.databaseConfig as { type: string; path?: string };
  if (config.type !== 'postgres') {
    for (const suffix of ['', '-wal', '-shm']) {
      const path = `${config.path!}${suffix}`;
      hash.update(existsSync(path) ? readFileSync(path) : Buffer.from(`absent${suffix}`));
    }
    return hash.digest('hex');
  }

  await withEachTable(server, async (db, table) => {
    const rows = await runQuery<{ row: string }>(db, server, `SELECT r::text AS row FROM "${table}" AS r ORDER BY 1`, []);
    hash.update(`${table}\n${rows.map((entry) => entry.row).join('\n')}\n`);
    return [];
  });
  return hash.digest('hex');
}

/** Runs `work` for each table of the public schema of a PostgreSQL server, in name order, over one connection. */
async function withEachTable<T>(server: Pick<TestServer, 'databaseConfig'>, work: (db: Db, table: string) => Promise<T[]>): Promise<T[]> {
  const db = await openServerDatabase(server);
  try {
    const tables = await runQuery<{ table_name: string }>(db, server,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name", []);
    const results: T[] = [];
    for (const { table_name: table } of tables) results.push(...await work(db, table));
    return results;
  } finally {
    await db.destroy();
  }
}
