import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MatrixHttp } from './http.js';
import { PostgresDatabases, SqliteDatabases } from './postgres.js';
import { isLoopbackUrl, parseOptions, USAGE, type BenchOptions } from './options.js';
import { readEnvironment, readRssMB } from './proc.js';
import { checkGrowth, checkTargets, renderMarkdown, type BenchResults } from './results.js';
import type { ScenarioContext } from './scenarios/context.js';
import { runInitialSync } from './scenarios/initial-sync.js';
import { runJoinStorm } from './scenarios/join-storm.js';
import { runLatency } from './scenarios/latency.js';
import { runStartup } from './scenarios/startup.js';
import { runThroughput } from './scenarios/throughput.js';
import { killRunningServers, LatticeProcess, prepareBuild, ROOT, type LaunchOptions, type ServerBuild } from './server.js';
import { CliUsers, GivenAccounts, SharedSecretUsers, UserPool, type UserSource } from './users.js';

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.url !== undefined && !isLoopbackUrl(options.url) && !options.allowRemote) {
    throw new Error(`--url ${options.url} is not a loopback address; pass --allow-remote to load a server on another host`);
  }
  const command = ['npm run bench', ...(argv.length > 0 ? ['--', ...argv.map(quoteArg)] : [])].join(' ');
  const environment = readEnvironment(ROOT, command);
  const results = options.url === undefined ? await benchStartedServer(options, environment) : await benchUrl(options, options.url, environment);
  writeOutputs(options, results);
  return 0;
}

/** Starts Lattice from this checkout, measures start-up and memory, and runs the load scenarios on it. */
async function benchStartedServer(options: BenchOptions, environment: BenchResults['environment']): Promise<BenchResults> {
  log(options.runtime === 'build' ? 'bundling src/ with esbuild' : 'running the sources through tsx');
  const build = await prepareBuild(options.runtime);
  const databases = options.database === 'postgres' ? await PostgresDatabases.open(options.postgresUrl) : new SqliteDatabases();
  log(`databases: ${databases.description}`);
  const launch: LaunchOptions = {
    runtime: options.runtime, databases, nodeArgs: options.serverNodeArgs, logLevel: options.serverLogLevel,
    sharedSecret: options.sharedSecret ?? `bench-secret-${process.pid}-${Date.now()}`,
  };
  let server: LatticeProcess | undefined;
  try {
    const startup = options.scenarios.includes('startup') ? await runStartup(build, launch, options.startupRepeats, log) : undefined;
    server = await LatticeProcess.start(build, launch);
    log(`Lattice is listening at ${server.baseUrl} (pid ${server.pid}, data in ${server.dataDir})`);
    await sleep(1000);
    const idleRssMB = readRssMB(server.pid);
    const http = new MatrixHttp(server.baseUrl, 64);
    try {
      const source = await startedServerUsers(http, server, options, launch);
      const partial = await runLoadScenarios(options, { http, baseUrl: server.baseUrl, users: new UserPool(source), serverPid: server.pid, log });
      await sleep(2000);
      const measured = {
        environment,
        target: { url: server.baseUrl, startedByBench: true, runtime: build.runtime, database: databases.description, userSource: source.description },
        ...(idleRssMB === undefined ? {} : { idleRssMB }),
        ...(startup ? { startup } : {}),
        ...partial,
        idleAfterLoadRssMB: readRssMB(server.pid),
      };
      return { ...measured, targets: checkTargets(measured), growth: checkGrowth(measured) };
    } finally {
      await http.close();
    }
  } catch (error) {
    if (server) log(`last server log lines:\n${server.recentLogs()}`);
    throw error;
  } finally {
    await server?.dispose(options.keepData);
    await databases.close();
    disposeBuild(build);
  }
}

function disposeBuild(build: ServerBuild): void {
  try {
    build.dispose();
  } catch (error) {
    log(`could not delete the temporary build folder: ${(error as Error).message}`);
  }
}

/**
 * Accounts on a server the bench started: given accounts first, then shared-secret registration
 * where this checkout of Lattice serves it, else `lattice register-user` through the CLI.
 */
async function startedServerUsers(http: MatrixHttp, server: LatticeProcess, options: BenchOptions, launch: LaunchOptions): Promise<UserSource> {
  if (options.accounts.length > 0) return new GivenAccounts(http, options.accounts);
  if (options.registration === 'cli') return new CliUsers(http, server);
  const served = server.sharedSecretConfigured && (await servesSharedSecretRegistration(http));
  if (served) return new SharedSecretUsers(http, launch.sharedSecret as string);
  if (options.registration === 'shared-secret') throw new Error('--registration shared-secret: this checkout of Lattice does not serve /_synapse/admin/v1/register; use --registration cli');
  return new CliUsers(http, server);
}

async function servesSharedSecretRegistration(http: MatrixHttp): Promise<boolean> {
  try {
    const body = await http.call<{ nonce?: unknown }>('GET', '/_synapse/admin/v1/register');
    return typeof body.nonce === 'string';
  } catch {
    return false;
  }
}

/** Runs the load scenarios against a homeserver URL; start-up is measured only when the bench starts the server. */
async function benchUrl(options: BenchOptions, url: string, environment: BenchResults['environment']): Promise<BenchResults> {
  const http = new MatrixHttp(url, 64);
  try {
    await http.call('GET', '/_matrix/client/versions');
    let source: UserSource;
    if (options.accounts.length > 0) source = new GivenAccounts(http, options.accounts);
    else if (options.sharedSecret !== undefined) source = new SharedSecretUsers(http, options.sharedSecret);
    else throw new Error('with --url, pass --shared-secret or --account so the bench has accounts to use');
    if (options.scenarios.includes('startup')) log('startup: skipped, because it needs a server the bench starts itself');
    const partial = await runLoadScenarios(options, { http, baseUrl: url, users: new UserPool(source), serverPid: options.serverPid, log });
    const measured = {
      environment,
      target: { url, startedByBench: false, userSource: source.description },
      ...partial,
      ...(options.serverPid === undefined ? {} : { idleAfterLoadRssMB: readRssMB(options.serverPid) }),
    };
    return { ...measured, targets: checkTargets(measured), growth: checkGrowth(measured) };
  } finally {
    await http.close();
  }
}

async function runLoadScenarios(options: BenchOptions, context: ScenarioContext): Promise<Partial<BenchResults>> {
  const results: Partial<BenchResults> = {};
  const has = (name: BenchOptions['scenarios'][number]) => options.scenarios.includes(name);
  if (!has('throughput') && !has('latency') && !has('sync') && !has('join')) return results;
  const maxReceivers = has('latency') ? Math.max(...options.latencyReceivers) : 0;
  const maxJoiners = has('join') ? Math.max(...options.joinUsers) : 0;
  // Initial-sync users come after every account the other scenarios use, so they are in no other room.
  const senders = has('throughput') || has('latency') ? options.senders : 0;
  const firstSyncUser = Math.max(senders + maxReceivers, maxJoiners + 1);
  const needed = firstSyncUser + (has('sync') ? options.syncRooms.length : 0);
  log(`creating ${needed} accounts through ${context.users.source.description}`);
  await context.users.take(needed);

  if (has('throughput')) results.throughput = await runThroughput(context, { senders: options.senders, sizes: options.throughputRooms, durationMs: options.durationMs });
  if (has('latency')) results.latency = await runLatency(context, { senders: options.senders, sizes: options.latencyReceivers, rate: options.rate, durationMs: options.durationMs });
  if (has('sync')) results.initialSync = await runInitialSync(context, { sizes: options.syncRooms, historyPerRoom: options.historyPerRoom, repeats: options.repeats, firstUser: firstSyncUser });
  if (has('join')) results.joinStorm = await runJoinStorm(context, { sizes: options.joinUsers });
  return results;
}

function writeOutputs(options: BenchOptions, results: BenchResults): void {
  const stamp = results.environment.date.replace(/[:.]/g, '-');
  const jsonPath = options.jsonPath ?? join(tmpdir(), 'lattice-bench', `bench-${stamp}.json`);
  const markdownPath = options.markdownPath ?? jsonPath.replace(/\.json$/, '') + '.md';
  const markdown = renderMarkdown(results);
  for (const [path, text] of [[jsonPath, `${JSON.stringify(results, null, 2)}\n`], [markdownPath, markdown]] as const) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  process.stdout.write(markdown);
  log(`wrote ${jsonPath} and ${markdownPath}`);
}

function quoteArg(arg: string): string {
  return /^[\w./:,=@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

// An interrupted run still stops the servers it started, which would otherwise outlive it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal} received; stopping the servers this run started`);
    killRunningServers();
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
