import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { SqliteDatabaseConfig } from '../../config/schema.js';
import { registerDialect, sqliteFeatures } from './index.js';
import { withStatementCache } from './statement-cache.js';

// Distinct SQL texts kept prepared. The server's fixed queries number a few hundred; the rest of
// the room is for `in (...)` lists of varying length.
const MAX_CACHED_STATEMENTS = 1000;

/** Opens the SQLite file named by the config, creating the file and its folder when absent. */
export function openSqlite<Schema>(config: SqliteDatabaseConfig): Kysely<Schema> {
  mkdirSync(dirname(config.path), { recursive: true });
  const sqlite = new SqliteDatabase(config.path);
  // WAL lets readers (long-polling /sync) proceed while the one writer commits.
  sqlite.pragma('journal_mode = WAL');
  // In WAL mode NORMAL still makes every committed transaction survive a crash or SIGKILL of this
  // process, because the commit is in the WAL file in the operating system's page cache, and the
  // next open replays it. Only a power loss or kernel crash can drop the last commits, which FULL
  // would prevent at one fsync per commit. The database stays consistent either way, so a restart
  // needs no manual repair. The crash test in test/crash checks the process-crash case.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (a CLI command) may hold the write lock briefly; wait rather than fail.
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, MAX_CACHED_STATEMENTS) }) });
  registerDialect(db, sqliteFeatures);
  return db;
}
