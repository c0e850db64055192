import { performance } from 'node:perf_hooks';
import { summarize, type Summary } from '../stats.js';
import type { BenchUser } from '../users.js';
import { createRooms, perUnit, withServerCost, type ScenarioContext, type ServerCost } from './context.js';

export interface JoinStormOptions {
  /** Numbers of joining users, one fresh public room each. */
  sizes: number[];
}

export interface JoinStormResult {
  users: number;
  joined: number;
  errors: number;
  firstError?: string;
  wallMs: number;
  joinsPerSecond: number;
  joinMs: Summary;
  /** Members the room reports afterwards through /joined_members, the owner included. */
  membersAfter: number;
  cost: ServerCost;
  serverCpuMsPerJoin: number | undefined;
}

/** Runs a join storm: all users send POST /join to one new public room at the same moment. */
export async function runJoinStorm(context: ScenarioContext, options: JoinStormOptions): Promise<JoinStormResult[]> {
  const results: JoinStormResult[] = [];
  for (const size of options.sizes) {
    const users = await context.users.take(size + 1);
    const owner = users[0] as BenchUser;
    const joiners = users.slice(1);
    const [roomId] = await createRooms(context, [owner], 'public_chat');
    context.log(`join storm: ${size} users join one room`);
    const { result, cost } = await withServerCost(context, () => storm(context, roomId as string, joiners));
    const members = await context.http.call<{ joined: Record<string, unknown> }>('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId as string)}/joined_members`, { token: owner.token });
    results.push({
      users: size, joined: result.latencies.length, errors: result.errors, ...(result.firstError ? { firstError: result.firstError } : {}),
      wallMs: result.wallMs, joinsPerSecond: (result.latencies.length * 1000) / result.wallMs, joinMs: summarize(result.latencies),
      membersAfter: Object.keys(members.joined).length, cost, serverCpuMsPerJoin: perUnit(cost.cpuMs, result.latencies.length),
    });
    context.log(`join storm: ${size} users in ${result.wallMs.toFixed(0)} ms`);
  }
  return results;
}

async function storm(context: ScenarioContext, roomId: string, joiners: BenchUser[]): Promise<{ latencies: number[]; errors: number; firstError?: string; wallMs: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  await Promise.all(joiners.map(async (user) => {
    const sent = performance.now();
    try {
      await context.http.call('POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: user.token, body: {} });
      latencies.push(performance.now() - sent);
    } catch (error) {
      errors += 1;
      firstError ??= (error as Error).message;
    }
  }));
  return { latencies, errors, ...(firstError ? { firstError } : {}), wallMs: performance.now() - started };
}
