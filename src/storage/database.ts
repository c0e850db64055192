import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import type { DatabaseConfig } from '../config/schema.js';
import type { Logger } from '../logging.js';
import * as initial from './migrations/001-initial.js';
import type { DatabaseSchema } from './schema.js';

export type Db = Kysely<DatabaseSchema>;

/** Numbered migrations, applied in key order; a released entry is never edited, only followed. */
const MIGRATIONS: Record<string, Migration> = {
  '001-initial': initial,
};

/** Opens the database named by the config, creating the file and its folder when absent. */
export function openDatabase(config: DatabaseConfig): Db {
  mkdirSync(dirname(config.path), { recursive: true });
  const sqlite = new SqliteDatabase(config.path);
  // WAL lets readers (long-polling /sync) proceed while the one writer commits.
  sqlite.pragma('journal_mode = WAL');
  // In WAL mode NORMAL still makes every committed transaction survive a crash of this process,
  // because the commit is in the operating system's page cache; only a power loss can drop the
  // last commits, and the database stays consistent either way.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (a CLI command) may hold the write lock briefly; wait rather than fail.
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
}

export async function migrateToLatest(db: Db, logger: Logger): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  for (const result of results ?? []) {
    if (result.status === 'Success') logger.info({ migration: result.migrationName }, 'applied database migration');
    if (result.status === 'Error') logger.error({ migration: result.migrationName }, 'database migration failed');
  }
  if (error) throw error;
}
