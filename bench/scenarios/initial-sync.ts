import { performance } from 'node:perf_hooks';
import { mapLimit, nextTxnId, roomPath, type MatrixHttp } from '../http.js';
import { median } from '../stats.js';
import type { BenchUser } from '../users.js';
import { createRooms, perUnit, withServerCost, type ScenarioContext, type ServerCost } from './context.js';
import { syncPath, type SyncResponseBody } from './sync-filter.js';

export interface InitialSyncOptions {
  /** Room counts, one user and one measurement each. */
  sizes: number[];
  /** Messages sent into each room before the first sync. */
  historyPerRoom: number;
  /** Timed repetitions of each request; the report gives the median and the minimum. */
  repeats: number;
  /** Index of the first pool account this scenario uses, so it never shares accounts with others. */
  firstUser: number;
}

export interface InitialSyncResult {
  rooms: number;
  historyPerRoom: number;
  /** Rooms in the initial /sync response; fewer than `rooms` means the server left some out. */
  roomsReturned: number;
  initialMs: { median: number; min: number; samples: number[] };
  initialBytes: number;
  /** Incremental /sync with nothing new (timeout=0). */
  emptyIncrementalMs: { median: number; min: number };
  /** Incremental /sync right after one new message in one room. */
  oneMessageIncrementalMs: { median: number; min: number };
  /** Server CPU per initial /sync, per room. */
  serverCpuMsPerRoom: number | undefined;
  initialCost: ServerCost;
}

/**
 * Initial /sync of a user in K rooms with history, and the cost of an incremental /sync. A user
 * who is in K rooms but receives one message should pay for one room, not for K.
 */
export async function runInitialSync(context: ScenarioContext, options: InitialSyncOptions): Promise<InitialSyncResult[]> {
  const pool = await context.users.take(options.firstUser + options.sizes.length);
  const results: InitialSyncResult[] = [];
  for (const [index, rooms] of options.sizes.entries()) {
    const user = pool[options.firstUser + index] as BenchUser;
    context.log(`initial sync: creating ${rooms} rooms with ${options.historyPerRoom} messages each`);
    const roomIds = await createRooms(context, Array.from({ length: rooms }, () => user), 'private_chat');
    await fillHistory(context.http, user, roomIds, options.historyPerRoom);
    results.push(await measure(context, options, user, roomIds));
    const last = results[results.length - 1] as InitialSyncResult;
    context.log(`initial sync: ${rooms} rooms: ${last.initialMs.median.toFixed(0)} ms, incremental ${last.oneMessageIncrementalMs.median.toFixed(1)} ms`);
  }
  return results;
}

async function fillHistory(http: MatrixHttp, user: BenchUser, roomIds: string[], perRoom: number): Promise<void> {
  const sends = roomIds.flatMap((roomId) => Array.from({ length: perRoom }, (_, n) => ({ roomId, n })));
  await mapLimit(sends, 16, ({ roomId, n }) =>
    http.call('PUT', `${roomPath(roomId)}/send/m.room.message/${nextTxnId()}`, { token: user.token, body: { msgtype: 'm.text', body: `history ${n}` } }));
}

async function measure(context: ScenarioContext, options: InitialSyncOptions, user: BenchUser, roomIds: string[]): Promise<InitialSyncResult> {
  const initialSamples: number[] = [];
  let last: { body: SyncResponseBody; bytes: number } | undefined;
  const { cost } = await withServerCost(context, async () => {
    for (let repeat = 0; repeat < options.repeats; repeat++) {
      const started = performance.now();
      last = await context.http.callWithSize<SyncResponseBody>('GET', syncPath({}), { token: user.token });
      initialSamples.push(performance.now() - started);
    }
  });
  const initial = last as { body: SyncResponseBody; bytes: number };

  let since = initial.body.next_batch;
  const emptySamples: number[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const started = performance.now();
    const body = await context.http.call<SyncResponseBody>('GET', syncPath({ since, timeoutMs: 0 }), { token: user.token });
    emptySamples.push(performance.now() - started);
    since = body.next_batch;
  }

  const oneMessageSamples: number[] = [];
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const roomId = roomIds[repeat % roomIds.length] as string;
    await context.http.call('PUT', `${roomPath(roomId)}/send/m.room.message/${nextTxnId()}`, { token: user.token, body: { msgtype: 'm.text', body: 'incremental' } });
    const started = performance.now();
    const body = await context.http.call<SyncResponseBody>('GET', syncPath({ since, timeoutMs: 0 }), { token: user.token });
    oneMessageSamples.push(performance.now() - started);
    since = body.next_batch;
  }

  return {
    rooms: roomIds.length,
    historyPerRoom: options.historyPerRoom,
    roomsReturned: Object.keys(initial.body.rooms?.join ?? {}).length,
    initialMs: { median: median(initialSamples), min: Math.min(...initialSamples), samples: initialSamples },
    initialBytes: initial.bytes,
    emptyIncrementalMs: { median: median(emptySamples), min: Math.min(...emptySamples) },
    oneMessageIncrementalMs: { median: median(oneMessageSamples), min: Math.min(...oneMessageSamples) },
    serverCpuMsPerRoom: perUnit(cost.cpuMs === undefined ? undefined : cost.cpuMs / options.repeats, roomIds.length),
    initialCost: cost,
  };
}
