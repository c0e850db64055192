import { Kysely, Migrator, type Migration } from 'kysely';
import type { DatabaseConfig } from '../config/schema.js';
import type { Logger } from '../logging.js';
import { openSqlite } from './dialect/sqlite.js';
import * as initial from './migrations/001-initial.js';
import * as media from './migrations/002-media.js';
import * as e2ee from './migrations/003-e2ee.js';
import * as threepids from './migrations/004-threepids.js';
import * as directorySync from './migrations/005-directory-sync.js';
import * as transactionEventIndex from './migrations/006-transaction-event-index.js';
import * as contentReports from './migrations/007-content-reports.js';
import * as openidTokens from './migrations/008-openid-tokens.js';
import * as pushers from './migrations/009-pushers.js';
import type { DatabaseSchema } from './schema.js';

export type Db = Kysely<DatabaseSchema>;

/** Numbered migrations, applied in key order; a released entry is never edited, only followed. */
const MIGRATIONS: Record<string, Migration> = {
  '001-initial': initial,
  '002-media': media,
  '003-e2ee': e2ee,
  '004-threepids': threepids,
  '005-directory-sync': directorySync,
  '006-transaction-event-index': transactionEventIndex,
  '007-content-reports': contentReports,
  '008-openid-tokens': openidTokens,
  '009-pushers': pushers,
};

/**
 * Opens the database named by the config: a SQLite file (created with its folder when absent) or
 * a pool of PostgreSQL connections. The logger receives errors of idle pooled connections. The
 * PostgreSQL dialect is imported only here, so a SQLite server never loads pg.
 */
export async function openDatabase(config: DatabaseConfig, logger?: Logger): Promise<Db> {
  if (config.type !== 'postgres') return openSqlite<DatabaseSchema>(config);
  const { openPostgres } = await import('./dialect/postgres.js');
  return openPostgres<DatabaseSchema>(config, logger);
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
