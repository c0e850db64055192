// The `database` section for PostgreSQL: both connection forms, pool limits, and mistakes that
// must stop the start with the key, the value (never a password) and the fix.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { describePostgresConnection } from '../../src/config/database.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';

const parseDatabase = (database: unknown, dir = '/etc/lattice') => parseConfig({ server_name: 'example.com', database }, dir).database;

function rejects(database: unknown, key: string, hidden?: string): void {
  assert.throws(() => parseDatabase(database), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.key, key);
    if (hidden) assert.ok(!error.message.includes(hidden), error.message);
    return true;
  });
}

describe('postgres database config', () => {
  test('url form with default pool', () => {
    assert.deepEqual(parseDatabase({ type: 'postgres', url: 'postgres://lattice:pw@db.internal:5433/matrix' }), {
      type: 'postgres', connection: { url: 'postgres://lattice:pw@db.internal:5433/matrix' }, pool: { min: 0, max: 10 },
    });
  });

  test('field form with defaults', () => {
    assert.deepEqual(parseDatabase({ type: 'postgres', pool: { min: 2, max: 20 } }), {
      type: 'postgres',
      connection: { host: 'localhost', port: 5432, user: 'lattice', password: undefined, database: 'lattice' },
      pool: { min: 2, max: 20 },
    });
  });

  test('password read from password_path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-config-'));
    try {
      writeFileSync(join(dir, 'db-password'), 's3cret\n');
      const database = parseDatabase({ type: 'postgres', host: '127.0.0.1', password_path: 'db-password' }, dir);
      assert.equal(database.type === 'postgres' && 'password' in database.connection ? database.connection.password : undefined, 's3cret');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('mistakes name the key', () => {
    rejects({ type: 'mysql' }, 'database.type');
    rejects({ type: 'postgres', url: 'mysql://x@y/z' }, 'database.url');
    rejects({ type: 'postgres', url: 'postgres://u:topsecret@h' }, 'database.url', 'topsecret');
    rejects({ type: 'postgres', url: 'postgres://u@h/db', host: 'h' }, 'database.host');
    rejects({ type: 'postgres', password: 'topsecret', password_path: '/x' }, 'database.password_path', 'topsecret');
    rejects({ type: 'postgres', password_path: '/nonexistent/lattice-password' }, 'database.password_path');
    rejects({ type: 'postgres', pool: { min: 5, max: 2 } }, 'database.pool.min');
    rejects({ type: 'postgres', pool: { max: 0 } }, 'database.pool.max');
    rejects({ type: 'postgres', port: 'x' }, 'database.port');
    rejects({ type: 'postgres', path: './x.db' }, 'database.path');
    rejects({ type: 'sqlite', url: 'postgres://h/db' }, 'database.url');
  });

  test('connection description hides the password', () => {
    assert.equal(describePostgresConnection({ url: 'postgres://lattice:pw@h:5432/db' }), 'postgres://lattice:***@h:5432/db');
    assert.equal(describePostgresConnection({ host: 'h', port: 5432, user: 'u', password: 'pw', database: 'db' }), 'postgres://u@h:5432/db');
  });
});
