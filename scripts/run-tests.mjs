// Runs every test file under test/ with Node's built-in test runner and tsx as the TypeScript loader.
// Node 20's runner cannot expand globs itself, so the file list is collected here.
//
// The first pass runs every file on SQLite. When a PostgreSQL server is reachable (the URL in
// LATTICE_TEST_POSTGRES_URL, or else libpq's defaults: PGHOST, PGPORT, PGUSER, PGPASSWORD, or
// localhost:5432 as the current user), a second pass runs every suite that touches a database
// again on PostgreSQL (POSTGRES_PASS_PATHS), and the multi-process tests run. Without one those
// legs are skipped with a message, except under CI=true, where a missing PostgreSQL fails the run.
// Each pass prints its duration.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import pg from 'pg';

const root = new URL('..', import.meta.url).pathname;

// Suites that start servers through test/support/server.ts or open a database through
// test/storage/support.ts, and so follow LATTICE_TEST_DATABASE. Left out, because a second run
// would test nothing new: suites that never open a database (test/core, the push rule evaluator,
// presence), and test/config and test/cli/generate-config.test.ts, whose servers use the SQLite
// config they generate. test/cli/check.test.ts follows the backend too but stays out for CI time:
// it spawns about fifteen `lattice check` processes, the costliest suite of the pass, and only its
// database check depends on the backend. test/multiprocess picks PostgreSQL itself and runs in the
// first pass.
const POSTGRES_PASS_PATHS = [
  'test/storage/', 'test/http/', 'test/e2e/', 'test/e2ee/', 'test/crash/',
  'test/identity/', 'test/nextcloud/', 'test/admin/', 'test/media/', 'test/ops/', 'test/web/',
  'test/push/push-rule-service.test.ts',
];

function collectTestFiles(dir) {
  const files = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...collectTestFiles(path));
    else if (name.endsWith('.test.ts')) files.push(relative(root, path));
  }
  return files;
}

/** Returns a URL for a reachable PostgreSQL server, or undefined with the reason. */
async function findPostgres() {
  const configured = process.env.LATTICE_TEST_POSTGRES_URL;
  const client = new pg.Client(configured ? { connectionString: configured, connectionTimeoutMillis: 3000 } : { connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const where = configured ? 'LATTICE_TEST_POSTGRES_URL' : `the default server (${client.host}:${client.port} as ${client.user ?? 'the current user'})`;
    return { reason: `cannot connect to ${where}: ${error.message}` };
  } finally {
    await client.end().catch(() => {});
  }
  if (configured) return { url: configured };
  const url = new URL(`postgres://${client.host.startsWith('/') ? 'localhost' : client.host}:${client.port}/${client.database}`);
  url.username = client.user;
  if (client.password) url.password = client.password;
  if (client.host.startsWith('/')) url.searchParams.set('host', client.host);
  return { url: url.href };
}

function runNodeTests(files, env) {
  const args = [
    '--import', 'tsx',
    '--import', './test/support/polyfills.ts',
    '--test',
    '--test-concurrency=2',
    // matrix-js-sdk leaves retry timers behind after stopClient(), which would keep a finished file alive.
    // NOTE: on Node 20 the reported test count has varied between runs of the same files (1,182 and
    // 1,197), with one of the three room-version blocks of a core suite missing. The forced exit
    // probably drops a file's last results before the runner reads them. A dropped failure would go
    // unreported, so exiting files by closing their clients would be safer.
    '--test-force-exit',
    '--test-reporter=spec',
    ...files,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1)));
  });
}

const filters = process.argv.slice(2);
const files = collectTestFiles(join(root, 'test')).filter(
  (file) => filters.length === 0 || filters.some((filter) => file.includes(filter)),
);
if (files.length === 0) {
  console.error(`No test files match ${filters.join(', ')}`);
  process.exit(1);
}

const postgres = await findPostgres();
const env = { ...process.env, LATTICE_TEST_DATABASE: 'sqlite' };
if (postgres.url) env.LATTICE_TEST_POSTGRES_URL = postgres.url;
else delete env.LATTICE_TEST_POSTGRES_URL;

const postgresFiles = files.filter((file) => POSTGRES_PASS_PATHS.some((path) => file.startsWith(path)));
if (!postgres.url) {
  const message = `PostgreSQL legs skipped (${postgresFiles.length} files on PostgreSQL and the multi-process tests): ${postgres.reason}. ` +
    'Set LATTICE_TEST_POSTGRES_URL to a role that may create databases, such as postgres://lattice:secret@127.0.0.1:5432/postgres.';
  if (process.env.CI === 'true') {
    console.error(`${message}\nCI=true requires PostgreSQL; .ci/run starts one.`);
    process.exit(1);
  }
  console.log(`\n*** ${message}\n`);
}

/** Runs one pass and prints how long it took, so CI logs show what each backend costs. */
async function runPass(title, passFiles, passEnv) {
  console.log(`\n=== ${title} ===\n`);
  const started = Date.now();
  const code = await runNodeTests(passFiles, passEnv);
  console.log(`\n=== ${title}: finished in ${Math.round((Date.now() - started) / 1000)} s ===\n`);
  return code;
}

let failed = (await runPass(`Pass 1: ${files.length} test files on SQLite`, files, env)) !== 0;

if (postgres.url && postgresFiles.length > 0) {
  const code = await runPass(`Pass 2: ${postgresFiles.length} test files on PostgreSQL`, postgresFiles, { ...env, LATTICE_TEST_DATABASE: 'postgres' });
  failed = code !== 0 || failed;
}
if (!postgres.url) console.log(`\n*** PostgreSQL legs were skipped: ${postgres.reason}.\n`);
process.exit(failed ? 1 : 0);
