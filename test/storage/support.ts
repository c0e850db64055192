// An empty, migrated database on the backend this run tests (LATTICE_TEST_DATABASE), for storage
// tests that call the stores in-process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/logging.js';
import { migrateToLatest, openDatabase, type Db } from '../../src/storage/database.js';
import { createTestDatabase, testBackend } from '../support/postgres.js';

export interface TestDb {
  db: Db;
  backend: 'sqlite' | 'postgres';
  /** Closes the connection and deletes the database. */
  dispose(): Promise<void>;
}

export async function openTestDb(options: { poolMax?: number } = {}): Promise<TestDb> {
  const logger = createLogger({ level: 'silent', pretty: false });
  const backend = testBackend();
  if (backend === 'postgres') {
    const database = await createTestDatabase();
    const db = await openDatabase({ type: 'postgres', connection: { url: database.url }, pool: { min: 0, max: options.poolMax ?? 5 } });
    await migrateToLatest(db, logger);
    return { db, backend, dispose: async () => { await db.destroy(); await database.drop(); } };
  }
  const dir = mkdtempSync(join(tmpdir(), 'lattice-storage-'));
  const db = await openDatabase({ type: 'sqlite', path: join(dir, 'lattice.db') });
  await migrateToLatest(db, logger);
  return { db, backend, dispose: async () => { await db.destroy(); rmSync(dir, { recursive: true, force: true }); } };
}
