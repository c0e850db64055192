import { mapLimit, type MatrixHttp } from '../http.js';
import { loadAverage, readCpuMs, RssSampler } from '../proc.js';
import type { UserPool } from '../users.js';

/** Inputs of every scenario: the target, its accounts and, when known, the server's process id. */
export interface ScenarioContext {
  http: MatrixHttp;
  baseUrl: string;
  users: UserPool;
  /** Process id of the server when it runs on this machine; enables CPU and RSS figures. */
  serverPid: number | undefined;
  log: (message: string) => void;
}

/** Server-side cost of one measured step: CPU time, peak RSS and the load average around it. */
export interface ServerCost {
  /** User plus system CPU time the server process used; undefined without a process id. */
  cpuMs: number | undefined;
  peakRssMB: number | undefined;
  /** CPU time of the bench process itself, which shares the machine's cores with the server. */
  clientCpuMs: number;
  loadAverageBefore: number;
  loadAverageAfter: number;
  /**
   * CLOCK_MONOTONIC in microseconds at the start and end of the step. V8 stamps --cpu-prof
   * samples with the same clock on Linux, so profile-summary.ts --window can select this step.
   */
  monotonicUs: [number, number];
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Runs `work` while measuring the server's CPU time and peak RSS. */
export async function withServerCost<T>(context: ScenarioContext, work: () => Promise<T>): Promise<{ result: T; cost: ServerCost }> {
  const pid = context.serverPid;
  const loadAverageBefore = loadAverage();
  const startUs = monotonicUs();
  const cpuBefore = pid === undefined ? undefined : readCpuMs(pid);
  const clientBefore = process.cpuUsage();
  const sampler = pid === undefined ? undefined : new RssSampler(pid);
  try {
    const result = await work();
    const cpuAfter = pid === undefined ? undefined : readCpuMs(pid);
    const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    const client = process.cpuUsage(clientBefore);
    const clientCpuMs = (client.user + client.system) / 1000;
    const cost = { cpuMs, peakRssMB: sampler?.stop(), clientCpuMs, loadAverageBefore, loadAverageAfter: loadAverage(), monotonicUs: [startUs, monotonicUs()] as [number, number] };
    return { result, cost };
  } finally {
    sampler?.stop();
  }
}

/** CPU milliseconds per unit of work, or undefined when either figure is missing. */
export function perUnit(cpuMs: number | undefined, units: number): number | undefined {
  return cpuMs === undefined || units === 0 ? undefined : cpuMs / units;
}

/** Creates rooms with the given owners, `concurrency` at a time; returns the room ids in order. */
export async function createRooms(context: ScenarioContext, owners: ReadonlyArray<{ token: string }>, preset: 'public_chat' | 'private_chat'): Promise<string[]> {
  return mapLimit(owners, 8, async (owner) => {
    const response = await context.http.call<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', { token: owner.token, body: { preset } });
    return response.room_id;
  });
}
