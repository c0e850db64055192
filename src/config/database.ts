import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import type { Fields } from './fields.js';
import type { DatabaseConfig, PostgresConnection, PostgresDatabaseConfig } from './schema.js';

const SQLITE_KEYS = ['type', 'path'];
const POSTGRES_KEYS = ['type', 'url', 'host', 'port', 'user', 'password', 'password_path', 'database', 'pool'];
const CONNECTION_FIELD_KEYS = ['host', 'port', 'user', 'password', 'password_path', 'database'];

// Pool defaults: 10 connections is pg's own default and keeps N processes well under PostgreSQL's
// default max_connections of 100 for N up to about 8 (each process also keeps one LISTEN connection).
const DEFAULT_POOL_MIN = 0;
const DEFAULT_POOL_MAX = 10;

/**
 * Reads `database`. SQLite (the default) needs only `path`; PostgreSQL takes either `url` or the
 * separate `host`, `port`, `user`, `password` (or `password_path`) and `database` keys, plus `pool`.
 */
export function readDatabase(root: Fields, resolvePath: (value: string) => string): DatabaseConfig {
  const database = root.child('database');
  const type = database.string('type', 'sqlite');
  if (type === 'sqlite') {
    database.rejectUnknown(SQLITE_KEYS);
    return { type: 'sqlite', path: resolvePath(database.string('path', './data/lattice.db')) };
  }
  if (type === 'postgres' || type === 'postgresql') return readPostgres(database, resolvePath);
  throw new ConfigError('database.type', type, 'Use "sqlite" (the default, one process) or "postgres".');
}

function readPostgres(database: Fields, resolvePath: (value: string) => string): PostgresDatabaseConfig {
  database.rejectUnknown(POSTGRES_KEYS);
  return {
    type: 'postgres',
    connection: database.has('url') ? readUrl(database) : readConnectionFields(database, resolvePath),
    pool: readPool(database),
  };
}

function readUrl(database: Fields): PostgresConnection {
  const mixed = CONNECTION_FIELD_KEYS.find((key) => database.has(key));
  if (mixed) {
    throw new ConfigError(database.path(mixed), mixed === 'password' ? '(hidden)' : database.get(mixed), 'Set either url or the separate connection keys, not both.');
  }
  const value = database.string('url');
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
    throw new ConfigError('database.url', url ? redactUrl(url) : '(not a URL)', 'Use a URL such as postgres://lattice:secret@127.0.0.1:5432/lattice.');
  }
  if (url.pathname.length <= 1) {
    throw new ConfigError('database.url', redactUrl(url), 'Name the database in the URL path, such as postgres://lattice@127.0.0.1/lattice.');
  }
  return { url: value };
}

function readConnectionFields(database: Fields, resolvePath: (value: string) => string): PostgresConnection {
  return {
    host: database.string('host', 'localhost'),
    port: database.integer('port', 5432, { min: 1, max: 65535 }),
    user: database.string('user', 'lattice'),
    password: readPassword(database, resolvePath),
    database: database.string('database', 'lattice'),
  };
}

/** Reads the password from `password` or the first line of the file at `password_path`; undefined when neither is set. */
function readPassword(database: Fields, resolvePath: (value: string) => string): string | undefined {
  if (database.has('password') && database.has('password_path')) {
    throw new ConfigError('database.password_path', database.get('password_path'), 'Set password or password_path, not both.');
  }
  if (database.has('password')) {
    const value = database.get('password');
    if (typeof value !== 'string' || value === '') throw new ConfigError('database.password', '(hidden)', 'Set it to a non-empty string.');
    return value;
  }
  if (!database.has('password_path')) return undefined;

  const path = resolvePath(database.string('password_path'));
  let password: string;
  try {
    password = readFileSync(path, 'utf8').split('\n')[0]?.trim() ?? '';
  } catch (error) {
    throw new ConfigError('database.password_path', path, `The file cannot be read (${(error as NodeJS.ErrnoException).code}); check the path and its permissions.`);
  }
  if (!password) throw new ConfigError('database.password_path', path, 'The file is empty; put the database password on its first line.');
  return password;
}

function readPool(database: Fields): { min: number; max: number } {
  const pool = database.child('pool');
  pool.rejectUnknown(['min', 'max']);
  const max = pool.integer('max', DEFAULT_POOL_MAX, { min: 1, max: 1000 });
  const min = pool.integer('min', DEFAULT_POOL_MIN, { min: 0, max: 1000 });
  if (min > max) throw new ConfigError('database.pool.min', min, `Use a number no larger than database.pool.max (${max}).`);
  return { min, max };
}

/** Returns the URL with any password replaced by `***`, safe to log or show in an error. */
export function redactUrl(url: URL): string {
  if (!url.password) return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

/** Describes where a PostgreSQL connection goes, without its password, for logs and messages. */
export function describePostgresConnection(connection: PostgresConnection): string {
  if ('url' in connection) {
    try {
      return redactUrl(new URL(connection.url));
    } catch {
      return '(invalid URL)';
    }
  }
  return `postgres://${connection.user}@${connection.host}:${connection.port}/${connection.database}`;
}
