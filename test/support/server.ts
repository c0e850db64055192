import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { createTestDatabase, testBackend, type TestBackend, type TestDatabase } from './postgres.js';
import { queryServerDatabase } from './server-database.js';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface TestServerOptions {
  serverName?: string;
  /** Extra top-level config keys, merged over the defaults. */
  config?: Record<string, unknown>;
  /** Reuse a data folder, to start again on the same database. */
  dataDir?: string;
  port?: number;
  /**
   * The database backend; defaults to LATTICE_TEST_DATABASE (`sqlite` unless set). A PostgreSQL
   * server gets a new database, dropped by dispose().
   */
  database?: TestBackend;
  /** Starts another process of the same server: same database, signing key and server name. */
  sameDatabaseAs?: TestServer;
}

/** Returns a port that was free a moment ago; the server binds it right after. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A real Lattice process on a loopback port, with its own config and database. */
export class TestServer {
  readonly logs: string[] = [];
  private child: ChildProcess | undefined;
  /** The `database` section of the config, shared by processes started with sameDatabaseAs. */
  databaseConfig: Record<string, unknown> = {};
  signingKeyPath = '';
  backend: TestBackend = 'sqlite';
  private ownedDatabase: TestDatabase | undefined;

  private constructor(
    readonly baseUrl: string,
    readonly port: number,
    readonly dataDir: string,
    readonly configPath: string,
    readonly serverName: string,
    private readonly ownsDataDir: boolean,
  ) {}

  static async start(options: TestServerOptions = {}): Promise<TestServer> {
    const port = options.port ?? (await freePort());
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lattice-test-'));
    const sibling = options.sameDatabaseAs;
    const serverName = sibling?.serverName ?? options.serverName ?? 'localhost';
    const baseUrl = `http://127.0.0.1:${port}`;
    const backend = sibling?.backend ?? options.database ?? testBackend();
    const ownedDatabase = !sibling && backend === 'postgres' ? await createTestDatabase() : undefined;
    let databaseConfig: Record<string, unknown> = { type: 'sqlite', path: join(dataDir, 'lattice.db') };
    // Two test files run at once, each with a few servers; five connections each stays far below
    // PostgreSQL's default max_connections of 100.
    if (ownedDatabase) databaseConfig = { type: 'postgres', url: ownedDatabase.url, pool: { max: 5 } };
    if (sibling) databaseConfig = sibling.databaseConfig;
    const signingKeyPath = sibling?.signingKeyPath ?? join(dataDir, 'signing.key');
    const config = {
      server_name: serverName,
      public_baseurl: `${baseUrl}/`,
      listen: { host: '127.0.0.1', port },
      database: databaseConfig,
      signing_key_path: signingKeyPath,
      log_level: 'debug',
      ...options.config,
    };
    const configPath = join(dataDir, 'lattice.yaml');
    writeFileSync(configPath, toYaml(config));

    const server = new TestServer(baseUrl, port, dataDir, configPath, serverName, options.dataDir === undefined);
    server.databaseConfig = databaseConfig;
    server.signingKeyPath = signingKeyPath;
    server.backend = backend;
    server.ownedDatabase = ownedDatabase;
    try {
      await server.launch();
    } catch (error) {
      await server.dispose();
      throw error;
    }
    return server;
  }

  /** Starts the process and resolves once it logs that it is listening. */
  private async launch(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'start', '--config', this.configPath], {
      cwd: ROOT,
      env: { ...process.env, LATTICE_LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      // Generous, because a 2-core machine running several suites in parallel can take many
      // seconds just to start a Node process; a healthy start takes well under one second.
      const timer = setTimeout(() => reject(new Error(`server did not start within 90 s:\n${this.logs.join('\n')}`)), 90_000);
      const onLine = (line: string) => {
        this.logs.push(line);
        if (line.includes('"lattice started"')) {
          clearTimeout(timer);
          resolve();
        }
      };
      for (const stream of [child.stdout, child.stderr]) {
        let buffer = '';
        stream?.on('data', (chunk: Buffer) => {
          buffer += chunk.toString('utf8');
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          lines.forEach(onLine);
        });
      }
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before starting:\n${this.logs.join('\n')}`));
      });
    });
  }

  /** Stops the process with SIGTERM and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Ends the process with SIGKILL, as a crash would, and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and deletes its data folder and PostgreSQL database when the test created them. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
    await this.ownedDatabase?.drop();
    this.ownedDatabase = undefined;
  }

  /**
   * Runs one SQL statement with `?` parameters on this server's database, SQLite or PostgreSQL,
   * for facts that no API exposes.
   */
  query<Row>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return queryServerDatabase<Row>(this, text, params);
  }

  /** Log lines that mention the given text, for assertions about what was (not) logged. */
  logsContaining(text: string): string[] {
    return this.logs.filter((line) => line.includes(text));
  }
}

/** Creates a local password account through `lattice register-user`, as an operator would. */
export async function registerUser(server: TestServer, localpart: string, password: string, admin = false): Promise<string> {
  const args = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'register-user', localpart, '--password', password, '--config', server.configPath];
  if (admin) args.push('--admin');
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`register-user ${localpart} failed (${code}): ${output}`);
  return `@${localpart}:${server.serverName}`;
}
