import { performance } from 'node:perf_hooks';
import { mapLimit, nextTxnId, roomPath } from '../http.js';
import { summarize, type Summary } from '../stats.js';
import type { BenchUser } from '../users.js';
import { createRooms, perUnit, withServerCost, type ScenarioContext, type ServerCost } from './context.js';

export interface ThroughputOptions {
  senders: number;
  /** Room counts, one measurement each. */
  sizes: number[];
  durationMs: number;
}

export interface ThroughputResult {
  rooms: number;
  senders: number;
  durationMs: number;
  acknowledged: number;
  errors: number;
  firstError?: string;
  eventsPerSecond: number;
  /** Time from sending PUT /send to its response, in milliseconds. */
  sendMs: Summary;
  cost: ServerCost;
  serverCpuMsPerEvent: number | undefined;
}

/**
 * Send throughput: `senders` users send m.text messages in a closed loop, one request in flight
 * each, spread round-robin over their rooms, for a fixed time. Each sender owns the rooms whose
 * index modulo the sender count is its own, so no joins are needed.
 */
export async function runThroughput(context: ScenarioContext, options: ThroughputOptions): Promise<ThroughputResult[]> {
  const senders = await context.users.take(options.senders);
  const results: ThroughputResult[] = [];
  for (const rooms of options.sizes) {
    context.log(`throughput: creating ${rooms} rooms for ${senders.length} senders`);
    const roomsBySender = await prepareRooms(context, senders, rooms);
    context.log(`throughput: sending for ${options.durationMs / 1000} s`);
    const { result, cost } = await withServerCost(context, () => sendLoop(context, senders, roomsBySender, options.durationMs));
    const eventsPerSecond = (result.acknowledged * 1000) / result.elapsedMs;
    results.push({
      rooms, senders: senders.length, durationMs: result.elapsedMs, acknowledged: result.acknowledged, errors: result.errors,
      ...(result.firstError ? { firstError: result.firstError } : {}),
      eventsPerSecond, sendMs: summarize(result.latencies), cost, serverCpuMsPerEvent: perUnit(cost.cpuMs, result.acknowledged),
    });
    context.log(`throughput: ${rooms} rooms: ${eventsPerSecond.toFixed(0)} events/s`);
  }
  return results;
}

/** Creates the rooms; when there are fewer rooms than senders, the extra senders join existing ones. */
async function prepareRooms(context: ScenarioContext, senders: BenchUser[], roomCount: number): Promise<string[][]> {
  const owners = Array.from({ length: roomCount }, (_, index) => senders[index % senders.length] as BenchUser);
  const roomIds = await createRooms(context, owners, 'public_chat');
  const bySender: string[][] = senders.map(() => []);
  roomIds.forEach((roomId, index) => bySender[index % senders.length]?.push(roomId));
  await mapLimit(senders, 8, async (sender, index) => {
    if ((bySender[index] as string[]).length > 0) return;
    const roomId = roomIds[index % roomIds.length] as string;
    await context.http.call('POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: sender.token, body: {} });
    bySender[index] = [roomId];
  });
  return bySender;
}

interface LoopResult {
  acknowledged: number;
  errors: number;
  firstError?: string;
  latencies: number[];
  elapsedMs: number;
}

async function sendLoop(context: ScenarioContext, senders: BenchUser[], roomsBySender: string[][], durationMs: number): Promise<LoopResult> {
  const result: LoopResult = { acknowledged: 0, errors: 0, latencies: [], elapsedMs: 0 };
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(senders.map(async (sender, index) => {
    const rooms = roomsBySender[index] as string[];
    for (let turn = 0; performance.now() < deadline; turn++) {
      const roomId = rooms[turn % rooms.length] as string;
      const sent = performance.now();
      try {
        await context.http.call('PUT', `${roomPath(roomId)}/send/m.room.message/${nextTxnId()}`, {
          token: sender.token, body: { msgtype: 'm.text', body: `throughput ${turn}` },
        });
        result.latencies.push(performance.now() - sent);
        result.acknowledged += 1;
      } catch (error) {
        result.errors += 1;
        result.firstError ??= (error as Error).message;
        // A server that rejects every request would otherwise spin this loop at full speed.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }));
  result.elapsedMs = performance.now() - started;
  return result;
}
