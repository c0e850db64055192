import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isLoopbackUrl } from './options.js';
import { freePort } from './server.js';

/** An empty database for one Lattice server, with the config section that points at it. */
export interface BenchDatabase {
  config: Record<string, unknown>;
  drop(): Promise<void>;
}

/** Creates a fresh database for each server the bench starts. */
export interface DatabaseProvider {
  readonly description: string;
  create(dataDir: string): Promise<BenchDatabase>;
  close(): Promise<void>;
}

/** One SQLite file in the server's data folder. */
export class SqliteDatabases implements DatabaseProvider {
  readonly description = 'SQLite (WAL) in a temporary folder';

  async create(dataDir: string): Promise<BenchDatabase> {
    return { config: { type: 'sqlite', path: join(dataDir, 'lattice.db') }, drop: async () => {} };
  }

  async close(): Promise<void> {}
}

/**
 * One PostgreSQL database per server, `lattice_bench_<random>`, created through an administrative
 * URL of a role that may CREATE DATABASE, and dropped afterwards.
 */
export class PostgresDatabases implements DatabaseProvider {
  constructor(
    private readonly adminUrl: string,
    readonly description: string,
    private readonly cluster?: PrivateCluster,
  ) {
    if (!isLoopbackUrl(adminUrl.replace(/^postgres(ql)?:/, 'http:'))) {
      throw new Error('--postgres-url must name a loopback host (127.0.0.1, ::1 or localhost), because the bench loads only servers on this machine');
    }
  }

  /** Starts a private cluster when no administrative URL is given. */
  static async open(adminUrl: string | undefined): Promise<PostgresDatabases> {
    if (adminUrl !== undefined) return new PostgresDatabases(adminUrl, 'PostgreSQL at --postgres-url');
    const cluster = await PrivateCluster.start();
    return new PostgresDatabases(cluster.adminUrl, `PostgreSQL ${cluster.version}, a private cluster on 127.0.0.1:${cluster.port}`, cluster);
  }

  async create(): Promise<BenchDatabase> {
    const name = `lattice_bench_${randomBytes(6).toString('hex')}`;
    await this.admin((client) => client.query(`CREATE DATABASE ${name}`));
    const url = new URL(this.adminUrl);
    url.pathname = `/${name}`;
    return {
      config: { type: 'postgres', url: url.href },
      drop: async () => {
        await this.admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      },
    };
  }

  async close(): Promise<void> {
    await this.cluster?.stop();
  }

  private async admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}

/**
 * A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only, with trust
 * authentication for the life of the run. initdb does not run as root, so as root the cluster
 * belongs to the `postgres` system user.
 */
class PrivateCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly version: string,
    private readonly bin: string,
    private readonly asPostgres: boolean,
  ) {}

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<PrivateCluster> {
    const bin = findPostgresBin();
    const asPostgres = userInfo().uid === 0;
    const dir = mkdtempSync(join(tmpdir(), 'lattice-bench-postgres-'));
    if (asPostgres) chownSync(dir, postgresId('-u'), postgresId('-g'));
    const port = await freePort();
    const cluster = new PrivateCluster(dir, port, '', bin, asPostgres);
    await cluster.run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres']);
    await cluster.run('pg_ctl', ['-D', join(dir, 'data'), '-l', join(dir, 'server.log'), '-w', '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`, 'start']);
    const version = /\(PostgreSQL\) (\S+)/.exec(await cluster.run('postgres', ['--version']))?.[1] ?? 'unknown';
    return new PrivateCluster(dir, port, version, bin, asPostgres);
  }

  async stop(): Promise<void> {
    try {
      await this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private run(tool: string, args: string[]): Promise<string> {
    const path = join(this.bin, tool);
    const [command, commandArgs] = this.asPostgres ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
    return new Promise((resolve, reject) => {
      const child = spawn(command, commandArgs, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${tool} failed with exit code ${code}: ${output.trim().slice(0, 1000)}`))));
    });
  }
}

/** Finds the folder of initdb and pg_ctl: the newest /usr/lib/postgresql/<version>/bin, else /usr/local/bin. */
function findPostgresBin(): string {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const bin = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(join(bin, 'initdb'))) return bin;
  }
  if (existsSync('/usr/local/bin/initdb')) return '/usr/local/bin';
  throw new Error('initdb was not found under /usr/lib/postgresql/*/bin or /usr/local/bin; install PostgreSQL or pass --postgres-url');
}

/** Looks up the numeric user or group id of the `postgres` system user, which the Debian package creates. */
function postgresId(flag: '-u' | '-g'): number {
  let id = Number.NaN;
  try {
    id = Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    // Reported below.
  }
  if (!Number.isInteger(id)) throw new Error('the postgres system user was not found; run the bench as a non-root user or pass --postgres-url');
  return id;
}
