// PostgreSQL for tests: which backend a run uses, and a fresh database per test server.
// scripts/run-tests.mjs sets LATTICE_TEST_POSTGRES_URL (a role that may CREATE DATABASE) when it
// finds a server, and LATTICE_TEST_DATABASE=postgres for the pass that runs suites on PostgreSQL.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TestBackend = 'sqlite' | 'postgres';

/** The backend that backend-neutral suites use in this run. */
export function testBackend(): TestBackend {
  return process.env.LATTICE_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
}

/** The administrative URL, or undefined when no PostgreSQL is available to this run. */
export function postgresAdminUrl(): string | undefined {
  return process.env.LATTICE_TEST_POSTGRES_URL || undefined;
}

/** A database created for one test, dropped by `drop`. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database `lattice_test_<random>` on the test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = postgresAdminUrl();
  if (!adminUrl) throw new Error('LATTICE_TEST_POSTGRES_URL is not set; run the tests through scripts/run-tests.mjs or set it to a role that may create databases');
  const name = `lattice_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.href,
    drop: () => withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
