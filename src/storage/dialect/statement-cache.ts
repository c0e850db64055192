import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

type Statement = SqliteDatabase.Statement<unknown[], unknown>;

/**
 * Wraps a better-sqlite3 database for kysely's SqliteDialect so that `prepare` returns a cached
 * statement for SQL text it has seen before. Kysely's SQLite driver calls `prepare` for every query,
 * and SQLite would otherwise parse and plan the same statement again each time. The cache keeps the
 * `maxStatements` most recently used statements, because queries with `in (?, ?, ...)` lists produce
 * a new SQL text for every list length.
 */
export function withStatementCache(database: SqliteDatabase.Database, maxStatements: number): KyselySqliteDatabase {
  const statements = new Map<string, Statement>();

  return {
    prepare(sql: string) {
      const cached = statements.get(sql);
      // better-sqlite3 rejects any call on a statement while one of its `iterate()` iterators is
      // open, so a query that is already being streamed gets a statement of its own.
      if (cached?.busy) return database.prepare(sql);
      if (cached) {
        // Reinserting moves the entry to the end of the map's order, which is the most recent end.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }

      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > maxStatements) {
        const leastRecent = statements.keys().next().value as string;
        statements.delete(leastRecent);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
