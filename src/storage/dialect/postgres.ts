import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { describePostgresConnection } from '../../config/database.js';
import type { PostgresConnection, PostgresDatabaseConfig } from '../../config/schema.js';
import { MatrixError } from '../../core/errors.js';
import type { Logger } from '../../logging.js';
import { registerDialect, type StorageDialect } from './index.js';

const INT8_OID = 20;

/**
 * pg returns `bigint` (int8) columns and `count(*)` as strings, because they can exceed 2^53.
 * Every int8 here is a millisecond timestamp, a stream position, a depth or a count, all far below
 * 2^53, so they are parsed as numbers and the stores read the same types as from SQLite.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export const postgresFeatures: StorageDialect = {
  name: 'postgres',
  async lockRoom(trx, roomId) {
    // A transaction-level advisory lock is released by COMMIT or ROLLBACK, and by PostgreSQL
    // itself when the connection dies, so a crashed process never leaves a room locked.
    await sql`SELECT pg_advisory_xact_lock(hashtext(${roomId}))`.execute(trx);
  },
  isUniqueViolation(error) {
    // SQLSTATE 23505 is unique_violation, raised for primary keys too.
    return (error as { code?: unknown } | null)?.code === '23505';
  },
};

/** Options for a pg Client or Pool that reaches the configured server. */
export function postgresClientConfig(connection: PostgresConnection): pg.ClientConfig {
  const common = { application_name: 'lattice', types, connectionTimeoutMillis: 10_000 };
  if ('url' in connection) return { ...common, connectionString: connection.url };
  return { ...common, host: connection.host, port: connection.port, user: connection.user, password: connection.password, database: connection.database };
}

/**
 * A pg client that rejects text parameters containing U+0000 with a 400 error before sending
 * them. PostgreSQL text cannot contain that character (SQLite's can) and would fail the query
 * with SQLSTATE 22021, which would reach the client as a 500.
 * NOTE: SQLite stores such text, so the two backends still differ in what they accept.
 */
class NulRejectingClient extends pg.Client {
  override query(...args: unknown[]): any {
    const values = args[1];
    if (Array.isArray(values) && values.some((value) => typeof value === 'string' && value.includes('\u0000'))) {
      const error = new MatrixError('M_INVALID_PARAM', 'Text in the request must not contain the NUL character (U+0000).');
      const callback = args.find((arg) => typeof arg === 'function') as ((error: Error) => void) | undefined;
      if (callback) return callback(error);
      return Promise.reject(error);
    }
    return (super.query as (...rest: unknown[]) => unknown)(...args);
  }
}

/** Opens a pool of connections to the configured PostgreSQL database; connects lazily. */
export function openPostgres<Schema>(config: PostgresDatabaseConfig, logger?: Logger): Kysely<Schema> {
  const pool = new pg.Pool({ ...postgresClientConfig(config.connection), min: config.pool.min, max: config.pool.max, Client: NulRejectingClient });
  // An idle connection that the server drops emits 'error' on the pool; without a listener that
  // would end the process. The pool replaces the connection on the next checkout.
  pool.on('error', (error) => {
    const target = describePostgresConnection(config.connection);
    if (logger) logger.error({ err: error, database: target }, 'idle PostgreSQL connection failed');
    else process.stderr.write(`lattice: idle PostgreSQL connection to ${target} failed: ${error.message}\n`);
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  registerDialect(db, postgresFeatures);
  return db;
}
