import { parseArgs } from 'node:util';
import type { DatabaseKind, ServerRuntime } from './server.js';
import { parseAccount } from './users.js';

export const SCENARIOS = ['startup', 'throughput', 'latency', 'sync', 'join'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  /** Homeserver to measure; undefined starts Lattice from this checkout. */
  url: string | undefined;
  allowRemote: boolean;
  sharedSecret: string | undefined;
  /** How a started server's accounts are created: shared-secret registration when served, or the CLI. */
  registration: 'auto' | 'shared-secret' | 'cli';
  accounts: Array<{ user: string; password: string }>;
  serverPid: number | undefined;
  scenarios: ScenarioName[];
  quick: boolean;
  senders: number;
  rate: number;
  durationMs: number;
  historyPerRoom: number;
  repeats: number;
  startupRepeats: number;
  throughputRooms: number[];
  latencyReceivers: number[];
  syncRooms: number[];
  joinUsers: number[];
  runtime: ServerRuntime;
  database: DatabaseKind;
  /** Administrative URL of a loopback PostgreSQL role that may create databases; undefined starts a private cluster. */
  postgresUrl: string | undefined;
  serverNodeArgs: string[];
  serverLogLevel: string;
  jsonPath: string | undefined;
  markdownPath: string | undefined;
  keepData: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

Runs load scenarios against Lattice (started from this checkout on a loopback port with a
temporary SQLite database) or against any homeserver given with --url, and prints a markdown
report. Scenarios: ${SCENARIOS.join(', ')}.

Target:
  --url <url>                 Homeserver base URL; without it the bench starts Lattice itself
  --allow-remote              Allow a --url that is not a loopback address
  --shared-secret <secret>    Create accounts through /_synapse/admin/v1/register with this secret
  --account <user:password>   Use an existing local account (repeatable)
  --registration <mode>       Accounts on a started server: auto (default; shared-secret
                              registration when the server serves it, else the CLI),
                              shared-secret, or cli (lattice register-user)
  --server-pid <pid>          Process id of a --url server on this machine, for CPU and RSS figures

Started server (without --url):
  --database <kind>           Storage backend: sqlite (default) or postgres
  --postgres-url <url>        With --database postgres: a loopback role that may CREATE DATABASE,
                              such as postgres://lattice:secret@127.0.0.1:5432/postgres; without
                              it the bench runs initdb and starts a private cluster for the run
  --runtime <build|tsx>       Run the bundle that npm start runs (default) or the TypeScript sources
                              through tsx
  --server-node-args=<args>   Extra node arguments for the server, space-separated, such as
                              --server-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"
                              (the = is needed because the value starts with a dash)
  --server-log-level <level>  Server log level (default: info)
  --keep-data                 Keep the server's data folder after the run

Workload:
  --scenarios <list>          Comma-separated subset of: ${SCENARIOS.join(',')} (default: all)
  --quick                     Smaller sizes and shorter runs, for a check in about a minute
  --senders <n>               Concurrent senders in throughput and latency (default: 16)
  --rate <n>                  Background messages per second in the latency scenario (default: 500)
  --duration <seconds>        Measured time per size in throughput and latency (default: 5; quick: 2)
  --history <n>               Messages per room before the initial sync (default: 5; quick: 3)
  --repeats <n>               Timed repetitions of each /sync request (default: 5; quick: 3)
  --startup-repeats <n>       Fresh starts measured in the startup scenario (default: 3; quick: 1)
  --throughput-rooms <list>   Room counts for throughput (default: 16,128,1024; quick: 16,32,64)
  --latency-receivers <list>  Long-polling receivers for latency (default: 10,50,100; quick: 4,8,16)
  --sync-rooms <list>         Rooms of the initial-sync user (default: 10,100,500; quick: 5,10,25)
  --join-users <list>         Users in each join storm (default: 20,50,100; quick: 5,10,20)

Output:
  --json <path>               Write the results as JSON (default: a file in the system temp folder)
  --markdown <path>           Write the markdown report (default: beside the JSON file)
  -h, --help                  Show this help
`;

const FULL = { throughputRooms: [16, 128, 1024], latencyReceivers: [10, 50, 100], syncRooms: [10, 100, 500], joinUsers: [20, 50, 100], durationS: 5, history: 5, repeats: 5, startupRepeats: 3 };
const QUICK = { throughputRooms: [16, 32, 64], latencyReceivers: [4, 8, 16], syncRooms: [5, 10, 25], joinUsers: [5, 10, 20], durationS: 2, history: 3, repeats: 3, startupRepeats: 1 };

/** Parses the command line; throws an Error whose message names the invalid option. */
export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'allow-remote': { type: 'boolean', default: false },
      'shared-secret': { type: 'string' },
      registration: { type: 'string', default: 'auto' },
      account: { type: 'string', multiple: true, default: [] },
      'server-pid': { type: 'string' },
      scenarios: { type: 'string' },
      quick: { type: 'boolean', default: false },
      senders: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      history: { type: 'string' },
      repeats: { type: 'string' },
      'startup-repeats': { type: 'string' },
      'throughput-rooms': { type: 'string' },
      'latency-receivers': { type: 'string' },
      'sync-rooms': { type: 'string' },
      'join-users': { type: 'string' },
      database: { type: 'string', default: 'sqlite' },
      'postgres-url': { type: 'string' },
      runtime: { type: 'string', default: 'build' },
      'server-node-args': { type: 'string', default: '' },
      'server-log-level': { type: 'string', default: 'info' },
      json: { type: 'string' },
      markdown: { type: 'string' },
      'keep-data': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const defaults = values.quick ? QUICK : FULL;

  return {
    url: values.url === undefined ? undefined : parseUrl(values.url),
    allowRemote: values['allow-remote'] === true,
    sharedSecret: values['shared-secret'],
    registration: oneOf(values.registration as string, ['auto', 'shared-secret', 'cli'] as const, '--registration'),
    accounts: (values.account ?? []).map(parseAccount),
    serverPid: values['server-pid'] === undefined ? undefined : positiveInteger(values['server-pid'], '--server-pid'),
    scenarios: parseScenarios(values.scenarios),
    quick: values.quick === true,
    senders: positiveInteger(values.senders ?? '16', '--senders'),
    rate: positiveNumber(values.rate ?? '500', '--rate'),
    durationMs: positiveNumber(values.duration ?? String(defaults.durationS), '--duration') * 1000,
    historyPerRoom: nonNegativeInteger(values.history ?? String(defaults.history), '--history'),
    repeats: positiveInteger(values.repeats ?? String(defaults.repeats), '--repeats'),
    startupRepeats: positiveInteger(values['startup-repeats'] ?? String(defaults.startupRepeats), '--startup-repeats'),
    throughputRooms: sizeList(values['throughput-rooms'], defaults.throughputRooms, '--throughput-rooms'),
    latencyReceivers: sizeList(values['latency-receivers'], defaults.latencyReceivers, '--latency-receivers'),
    syncRooms: sizeList(values['sync-rooms'], defaults.syncRooms, '--sync-rooms'),
    joinUsers: sizeList(values['join-users'], defaults.joinUsers, '--join-users'),
    runtime: oneOf(values.runtime as string, ['build', 'tsx'] as const, '--runtime'),
    database: parseDatabase(values.database as string),
    postgresUrl: values['postgres-url'],
    serverNodeArgs: (values['server-node-args'] as string).split(' ').filter((arg) => arg !== ''),
    serverLogLevel: values['server-log-level'] as string,
    jsonPath: values.json,
    markdownPath: values.markdown,
    keepData: values['keep-data'] === true,
  };
}

function parseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`invalid --url "${text}": expected an absolute http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`invalid --url "${text}": expected http:// or https://`);
  return url.toString().replace(/\/$/, '');
}

/** True for 127.0.0.0/8, ::1 and localhost: the only targets the bench loads without --allow-remote. */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function parseScenarios(text: string | undefined): ScenarioName[] {
  if (text === undefined) return [...SCENARIOS];
  return text.split(',').map((name) => oneOf(name.trim(), SCENARIOS, '--scenarios'));
}

function parseDatabase(text: string): DatabaseKind {
  return oneOf(text === 'postgresql' ? 'postgres' : text, ['sqlite', 'postgres'] as const, '--database');
}

function oneOf<T extends string>(text: string, allowed: readonly T[], option: string): T {
  if (!(allowed as readonly string[]).includes(text)) throw new Error(`invalid ${option} "${text}": expected one of ${allowed.join(', ')}`);
  return text as T;
}

function sizeList(text: string | undefined, fallback: number[], option: string): number[] {
  if (text === undefined) return fallback;
  return text.split(',').map((part) => positiveInteger(part.trim(), option));
}

function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`invalid ${option} "${text}": expected a whole number of at least 1`);
  return value;
}

function nonNegativeInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`invalid ${option} "${text}": expected a whole number of at least 0`);
  return value;
}

function positiveNumber(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`invalid ${option} "${text}": expected a number above 0`);
  return value;
}
