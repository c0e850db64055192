import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit, MatrixHttp, nextTxnId, roomPath } from '../http.js';
import { summarize, type Summary } from '../stats.js';
import type { BenchUser } from '../users.js';
import { createRooms, perUnit, withServerCost, type ScenarioContext, type ServerCost } from './context.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { LONG_POLL_FILTER, syncPath, timelineEventIds, type SyncResponseBody } from './sync-filter.js';

export interface LatencyOptions {
  senders: number;
  /** Receiver counts, one measurement each; every receiver long-polls /sync on its own room. */
  sizes: number[];
  /** Background send rate in messages per second, spread over all rooms. */
  rate: number;
  durationMs: number;
}

export interface LatencyResult {
  receivers: number;
  targetRate: number;
  achievedRate: number;
  sent: number;
  acknowledged: number;
  delivered: number;
  /** Acknowledged events that no /sync returned within the grace period. */
  missing: number;
  beforeAck: number;
  /** /sync responses whose timeline was cut short, which can hide events from the receiver. */
  limitedTimelines: number;
  errors: number;
  firstError?: string;
  /** Time from a send's response to the event's arrival in the receiver's long-polling /sync, in milliseconds. */
  deliveryMs: Summary;
  sendMs: Summary;
  cost: ServerCost;
  serverCpuMsPerEvent: number | undefined;
}

// Sends beyond this many requests without a response wait, so an overloaded server is not buried in requests.
const MAX_IN_FLIGHT = 256;
const LONG_POLL_TIMEOUT_MS = 30_000;
const GRACE_MS = 3_000;

/**
 * Measures delivery latency. Each receiver owns one room and keeps one /sync long-poll open at
 * all times. The senders join those rooms and send at a fixed total rate in an open loop, so a
 * slow response does not lower the offered load.
 */
export async function runLatency(context: ScenarioContext, options: LatencyOptions): Promise<LatencyResult[]> {
  const results: LatencyResult[] = [];
  for (const receiverCount of options.sizes) {
    const all = await context.users.take(options.senders + receiverCount);
    const senders = all.slice(0, options.senders);
    const receivers = all.slice(options.senders);
    context.log(`latency: ${receiverCount} receivers, ${options.rate} messages/s for ${options.durationMs / 1000} s`);
    const roomIds = await createRooms(context, receivers, 'public_chat');
    await mapLimit(roomIds, 8, (roomId, index) =>
      context.http.call('POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: (senders[index % senders.length] as BenchUser).token, body: {} }));
    results.push(await measure(context, options, senders, receivers, roomIds));
    const last = results[results.length - 1] as LatencyResult;
    context.log(`latency: ${receiverCount} receivers: p50 ${last.deliveryMs.p50.toFixed(1)} ms, p99 ${last.deliveryMs.p99.toFixed(1)} ms`);
  }
  return results;
}

async function measure(context: ScenarioContext, options: LatencyOptions, senders: BenchUser[], receivers: BenchUser[], roomIds: string[]): Promise<LatencyResult> {
  const tracker = new DeliveryTracker();
  const syncHttp = new MatrixHttp(context.baseUrl, receivers.length + 4);
  const stop = new AbortController();
  // Every receiver's pending request, and undici inside it, listens on this one signal.
  setMaxListeners(0, stop.signal);
  const receiveStats = { limited: 0, errors: 0, firstError: undefined as string | undefined };
  try {
    const started = receivers.map((receiver) => startReceiver(syncHttp, receiver, tracker, stop.signal, receiveStats));
    await Promise.all(started.map((receiver) => receiver.ready));
    const loops = started.map((receiver) => receiver.done);
    // Give every receiver's first long-poll time to reach the server before the first send.
    await sleep(300);
    const { result: sending, cost } = await withServerCost(context, async () => {
      const outcome = await sendAtRate(context, options, senders, roomIds, tracker);
      const graceEnd = performance.now() + GRACE_MS;
      while (tracker.pending > 0 && performance.now() < graceEnd) await sleep(20);
      return outcome;
    });
    stop.abort();
    await Promise.all(loops);
    return {
      receivers: receivers.length, targetRate: options.rate, achievedRate: (sending.sent * 1000) / sending.elapsedMs,
      sent: sending.sent, acknowledged: sending.acknowledged, delivered: tracker.delivered, missing: tracker.pending,
      beforeAck: tracker.beforeAck, limitedTimelines: receiveStats.limited,
      errors: sending.errors + receiveStats.errors,
      ...(sending.firstError ?? receiveStats.firstError ? { firstError: sending.firstError ?? receiveStats.firstError } : {}),
      deliveryMs: summarize(tracker.latencies), sendMs: summarize(sending.latencies), cost,
      serverCpuMsPerEvent: perUnit(cost.cpuMs, sending.acknowledged),
    };
  } finally {
    stop.abort();
    await syncHttp.close();
  }
}

interface ReceiveStats {
  limited: number;
  errors: number;
  firstError: string | undefined;
}

/** Starts one receiver: `ready` resolves after its initial sync, `done` once `signal` ends its long-poll loop. */
function startReceiver(http: MatrixHttp, receiver: BenchUser, tracker: DeliveryTracker, signal: AbortSignal, stats: ReceiveStats): { ready: Promise<void>; done: Promise<void> } {
  const initial = http.call<SyncResponseBody>('GET', syncPath({ timeoutMs: 0, filter: LONG_POLL_FILTER }), { token: receiver.token });
  // A failed initial sync rejects `ready`; `done` then resolves, so the failure is reported once.
  const done = initial.then((body) => longPoll(http, receiver, body.next_batch, tracker, signal, stats), () => undefined);
  return { ready: initial.then(() => undefined), done };
}

async function longPoll(http: MatrixHttp, receiver: BenchUser, since: string, tracker: DeliveryTracker, signal: AbortSignal, stats: ReceiveStats): Promise<void> {
  let token = since;
  while (!signal.aborted) {
    let body: SyncResponseBody;
    try {
      body = await http.call<SyncResponseBody>('GET', syncPath({ since: token, timeoutMs: LONG_POLL_TIMEOUT_MS, filter: LONG_POLL_FILTER }), { token: receiver.token, signal });
    } catch (error) {
      if (signal.aborted) return;
      stats.errors += 1;
      stats.firstError ??= (error as Error).message;
      await sleep(50);
      continue;
    }
    const now = performance.now();
    for (const eventId of timelineEventIds(body)) tracker.onArrival(eventId, now);
    for (const room of Object.values(body.rooms?.join ?? {})) if (room.timeline?.limited) stats.limited += 1;
    token = body.next_batch;
  }
}

interface SendOutcome {
  sent: number;
  acknowledged: number;
  errors: number;
  firstError?: string;
  latencies: number[];
  elapsedMs: number;
}

async function sendAtRate(context: ScenarioContext, options: LatencyOptions, senders: BenchUser[], roomIds: string[], tracker: DeliveryTracker): Promise<SendOutcome> {
  const outcome: SendOutcome = { sent: 0, acknowledged: 0, errors: 0, latencies: [], elapsedMs: 0 };
  const total = Math.round((options.rate * options.durationMs) / 1000);
  const intervalMs = 1000 / options.rate;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  for (let index = 0; index < total; index++) {
    const wait = started + index * intervalMs - performance.now();
    if (wait >= 1) await sleep(wait);
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    const roomIndex = index % roomIds.length;
    const send = sendOne(context, senders[roomIndex % senders.length] as BenchUser, roomIds[roomIndex] as string, index, tracker, outcome);
    inFlight.add(send);
    void send.finally(() => inFlight.delete(send));
    outcome.sent += 1;
  }
  await Promise.all(inFlight);
  outcome.elapsedMs = performance.now() - started;
  return outcome;
}

async function sendOne(context: ScenarioContext, sender: BenchUser, roomId: string, index: number, tracker: DeliveryTracker, outcome: SendOutcome): Promise<void> {
  const sentAt = performance.now();
  try {
    const { event_id: eventId } = await context.http.call<{ event_id: string }>('PUT', `${roomPath(roomId)}/send/m.room.message/${nextTxnId()}`, {
      token: sender.token, body: { msgtype: 'm.text', body: `latency ${index}` },
    });
    const ackAt = performance.now();
    outcome.latencies.push(ackAt - sentAt);
    outcome.acknowledged += 1;
    tracker.onAck(eventId, ackAt);
  } catch (error) {
    outcome.errors += 1;
    outcome.firstError ??= (error as Error).message;
  }
}
