import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { stringify as toYaml } from 'yaml';
import type { BenchDatabase, DatabaseProvider } from './postgres.js';
import { readCpuMs } from './proc.js';

export const ROOT = new URL('..', import.meta.url).pathname;

/**
 * Runtime of the server process. `build` bundles src/ as `npm run build` does into a temporary
 * folder and starts it through bin/lattice.js, as `npm start` does. `tsx` runs the TypeScript
 * sources through the tsx loader, which adds the loader's start-up time and memory to every figure.
 */
export type ServerRuntime = 'build' | 'tsx';

/** Storage backend of a server the bench starts. */
export type DatabaseKind = 'sqlite' | 'postgres';

export interface LaunchOptions {
  runtime: ServerRuntime;
  /** Creates an empty database for each server process started on a new data folder. */
  databases: DatabaseProvider;
  /** Extra arguments for the server's node process, such as --cpu-prof. */
  nodeArgs: string[];
  logLevel: string;
  /** Written as registration_shared_secret when the Lattice config accepts that key. */
  sharedSecret?: string;
}

/** The bundled server, or the TypeScript entry point, shared by every process one run starts. */
export interface ServerBuild {
  runtime: ServerRuntime;
  /** Node arguments that run the CLI, before its own arguments. */
  entryArgs: string[];
  dispose(): void;
}

/** Bundles src/ into a temporary folder (runtime `build`) or points at the sources (runtime `tsx`). */
export async function prepareBuild(runtime: ServerRuntime): Promise<ServerBuild> {
  if (runtime === 'tsx') return { runtime, entryArgs: ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')], dispose: () => {} };

  // The folder copies the layout of an installation: bin/lattice.js imports ../dist/bundle/main.js,
  // and the bundle reads ../../package.json and loads its external packages from node_modules.
  const dir = mkdtempSync(join(tmpdir(), 'lattice-bench-build-'));
  const { code, output } = await run(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--outdir', join(dir, 'dist/bundle')]);
  if (code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`bench: bundling src/ failed:\n${output.slice(0, 2000)}`);
  }
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(ROOT, 'bin/lattice.js'), join(dir, 'bin/lattice.js'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { runtime, entryArgs: [join(dir, 'bin/lattice.js')], dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Server processes started and not yet stopped, so an interrupted run can stop them. */
const running = new Set<ChildProcess>();

/** Sends SIGTERM to every server process this run started and has not stopped. */
export function killRunningServers(): void {
  for (const child of running) child.kill('SIGTERM');
}

/** A Lattice process the bench started on a loopback port, with its own config and database. */
export class LatticeProcess {
  private exited = false;

  private constructor(
    readonly baseUrl: string,
    readonly dataDir: string,
    readonly configPath: string,
    readonly serverName: string,
    private readonly child: ChildProcess,
    /**
     * Milliseconds from spawning the process to the first 200 response to GET
     * /_matrix/client/versions, and the CPU time the process had used by then, which depends
     * less on other work on the machine.
     */
    readonly startup: { startupMs: number; startupCpuMs: number },
    readonly sharedSecretConfigured: boolean,
    private readonly build: ServerBuild,
    private readonly logTail: string[],
    readonly database: BenchDatabase,
  ) {
    child.once('exit', () => {
      this.exited = true;
      running.delete(child);
    });
  }

  get startupMs(): number {
    return this.startup.startupMs;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Starts a server on a new data folder and database, or on those of `previous` once it has stopped. */
  static async start(build: ServerBuild, options: LaunchOptions, previous?: LatticeProcess): Promise<LatticeProcess> {
    const port = await freePort();
    const dir = previous?.dataDir ?? mkdtempSync(join(tmpdir(), 'lattice-bench-'));
    mkdirSync(dir, { recursive: true });
    const database = previous?.database ?? (await options.databases.create(dir));
    const baseUrl = `http://127.0.0.1:${port}`;
    const { configPath, sharedSecretConfigured } = await writeConfig(dir, port, database, options);

    const started = performance.now();
    const child = spawn(process.execPath, [...options.nodeArgs, ...build.entryArgs, 'start', '--config', configPath], {
      cwd: dir,
      env: { ...process.env, LATTICE_LOG_LEVEL: options.logLevel },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const logTail: string[] = [];
    collectLines(child, logTail);
    let startupMs: number;
    try {
      startupMs = await waitForVersions(baseUrl, child, started, logTail);
    } catch (error) {
      // A failed first start leaves nothing behind: no process, no data folder, no database.
      child.kill('SIGKILL');
      if (!previous) {
        rmSync(dir, { recursive: true, force: true });
        await database.drop();
      }
      throw error;
    }
    const startupCpuMs = readCpuMs(child.pid as number) ?? Number.NaN;
    return new LatticeProcess(baseUrl, dir, configPath, 'localhost', child, { startupMs, startupCpuMs }, sharedSecretConfigured, build, logTail, database);
  }

  /** Creates a local password account with `lattice register-user`, as an operator would. */
  async registerUserWithCli(localpart: string, password: string): Promise<void> {
    const { code, output } = await run(process.execPath, [...this.build.entryArgs, 'register-user', localpart, '--password', password, '--config', this.configPath]);
    if (code !== 0) throw new Error(`lattice register-user ${localpart} failed with exit code ${code}: ${output.trim()}`);
  }

  /** Returns the last lines the server logged, for error messages. */
  recentLogs(): string {
    return this.logTail.slice(-20).join('\n');
  }

  /** Stops the process with SIGTERM, so --cpu-prof can write its profile, and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server and deletes its data folder and database unless `keepData` is set. */
  async dispose(keepData = false): Promise<void> {
    await this.stop();
    if (keepData) return;
    rmSync(this.dataDir, { recursive: true, force: true });
    await this.database.drop();
  }
}

async function writeConfig(dir: string, port: number, database: BenchDatabase, options: LaunchOptions): Promise<{ configPath: string; sharedSecretConfigured: boolean }> {
  const config: Record<string, unknown> = {
    server_name: 'localhost',
    public_baseurl: `http://127.0.0.1:${port}/`,
    listen: { host: '127.0.0.1', port },
    database: database.config,
    signing_key_path: join(dir, 'signing.key'),
    log_level: options.logLevel,
  };
  let sharedSecretConfigured = false;
  if (options.sharedSecret !== undefined && (await configAcceptsSharedSecret(config, dir))) {
    config.registration_shared_secret = options.sharedSecret;
    sharedSecretConfigured = true;
  }
  const configPath = join(dir, 'lattice.yaml');
  writeFileSync(configPath, toYaml(config));
  return { configPath, sharedSecretConfigured };
}

/** Asks Lattice's own config parser whether this checkout accepts `registration_shared_secret`. */
async function configAcceptsSharedSecret(config: Record<string, unknown>, dir: string): Promise<boolean> {
  const { parseConfig } = await import('../src/config/load.js');
  try {
    parseConfig({ ...config, registration_shared_secret: 'probe-secret-0123456789' }, dir);
    return true;
  } catch {
    return false;
  }
}

async function waitForVersions(baseUrl: string, child: ChildProcess, started: number, logTail: string[]): Promise<number> {
  const deadline = started + 30_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before responding to /versions:\n${logTail.slice(-20).join('\n')}`);
    try {
      const response = await request(`${baseUrl}/_matrix/client/versions`, { headersTimeout: 2000, bodyTimeout: 2000 });
      await response.body.text();
      if (response.statusCode === 200) return performance.now() - started;
    } catch {
      // Not listening yet: connection refused.
    }
    await sleep(5);
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not respond to /versions within 30 s:\n${logTail.slice(-20).join('\n')}`);
}

function collectLines(child: ChildProcess, lines: string[]): void {
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    });
  }
}

/** Returns a loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}
