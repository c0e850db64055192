import { evaluatePushRules, findMatchingRule, type PushContext, type PushOutcome } from '../push/evaluator.js';
import type { PushAction, Ruleset } from '../push/types.js';
import type { EventStore } from '../storage/events.js';
import type { ReceiptStore } from '../storage/receipts.js';
import { toRelatedEvent, type RelatedEvent, type RelationStore } from '../storage/relations.js';
import type { SyncReadStore } from '../storage/sync-reads.js';
import { findThreadRoots, threadIdOf } from '../relations/threads.js';
import { buildPushContext, type RulesetSource } from './push-context.js';

export interface UnreadCounts {
  notification_count: number;
  highlight_count: number;
}

/** Counts of one room: the whole room, the main timeline, and each thread by its root's event id. */
export interface RoomUnreadCounts {
  total: UnreadCounts;
  main: UnreadCounts;
  threads: Record<string, UnreadCounts>;
}

/** An event that notified the user, with the actions of the rule that matched and whether it is read. */
export interface NotifiedEvent {
  event: RelatedEvent;
  actions: PushAction[];
  read: boolean;
}

type Notified = NotifiedEvent & { threadId: string; outcome: PushOutcome };

export interface UnreadCounterDeps {
  events: EventStore;
  reads: SyncReadStore;
  relations: RelationStore;
  receipts: ReceiptStore;
  pushRules: RulesetSource;
}

// NOTE: counts are computed for each /sync response, from at most this many of the room's newest events
// after the user's unthreaded receipt, so a room with more unread events than this reports fewer.
const MAX_SCANNED_EVENTS = 1000;

/**
 * Counts unread notifications per room for /sync: events after the user's read receipts that
 * the user's push rules make notify. The receipt further ahead of `m.read` and
 * `m.read.private` counts, per thread, and sending an event marks its thread read.
 */
export class UnreadCounter {
  constructor(private readonly deps: UnreadCounterDeps) {}

  async countFor(userId: string, roomId: string, upTo: number): Promise<RoomUnreadCounts> {
    const counts: RoomUnreadCounts = { total: zero(), main: zero(), threads: {} };
    addCounts(counts, await this.notifiedEvents(userId, roomId, upTo, { unreadOnly: true }));
    return counts;
  }

  /**
   * Counts unread notifications in each of the rooms with a few queries for all of them. A room
   * whose unread events all come from the user, or which has none, costs no push-rule
   * evaluation and no parsing of event JSON.
   */
  async countForRooms(userId: string, roomIds: readonly string[], upTo: number): Promise<Map<string, RoomUnreadCounts>> {
    const counts = new Map(roomIds.map((roomId) => [roomId, { total: zero(), main: zero(), threads: {} } as RoomUnreadCounts]));
    const receipts = await this.deps.reads.readPositions(userId, roomIds);
    const readPoints = new Map(roomIds.map((roomId) => [roomId, toReadPoints(receipts.get(roomId) ?? [])]));
    const ranges = roomIds.map((roomId) => ({ roomId, after: readPoints.get(roomId)?.get('') ?? 0 }));
    const rows = await this.deps.reads.newestEvents(ranges, upTo, MAX_SCANNED_EVENTS);

    // Only an event from someone else that is not redacted can notify.
    const pending = [...rows].filter(([, roomRows]) => roomRows.some((row) => row.sender !== userId && row.redacted_by === null));
    if (pending.length === 0) return counts;
    const candidatesByRoom = new Map(pending.map(([roomId, roomRows]) => [
      roomId, roomRows.sort((a, b) => Number(a.stream_ordering) - Number(b.stream_ordering)).map(toRelatedEvent),
    ]));
    const allIds = [...candidatesByRoom.values()].flatMap((candidates) => candidates.map((event) => event.eventId));
    const [roots, rules] = await Promise.all([findThreadRoots(this.deps.relations, allIds), this.deps.pushRules.getRules(userId)]);

    for (const [roomId, candidates] of candidatesByRoom) {
      const context = await buildPushContext(this.deps.events, userId, roomId);
      const notified = this.evaluate(userId, roomId, candidates, roots, readPoints.get(roomId) ?? new Map(), { ruleset: rules.global, context }, true);
      addCounts(counts.get(roomId) as RoomUnreadCounts, notified);
    }
    return counts;
  }

  /** Events of the room up to `upTo` that notify the user, oldest first; `unreadOnly` drops read ones. */
  async notifiedEvents(
    userId: string, roomId: string, upTo: number, options: { unreadOnly: boolean; after?: number },
  ): Promise<Notified[]> {
    const readPoints = await this.readPoints(userId, roomId);
    const start = options.unreadOnly ? Math.max(readPoints.get('') ?? 0, options.after ?? 0) : (options.after ?? 0);
    const candidates = await this.deps.relations.eventsBetween(roomId, start, upTo, MAX_SCANNED_EVENTS);
    if (candidates.length === 0) return [];
    const roots = await findThreadRoots(this.deps.relations, candidates.map((event) => event.eventId));
    return this.evaluate(userId, roomId, candidates, roots, readPoints, await this.rulesFor(userId, roomId), options.unreadOnly);
  }

  /**
   * Evaluates the push rules for the candidates, oldest first. `readPoints` gains the positions
   * of the user's own events, since sending an event marks its thread read up to it.
   */
  private evaluate(
    userId: string, roomId: string, candidates: readonly RelatedEvent[], roots: ReadonlyMap<string, string>,
    readPoints: Map<string, number>, rules: { ruleset: Ruleset; context: PushContext }, unreadOnly: boolean,
  ): Notified[] {
    for (const event of candidates) {
      if (event.sender !== userId) continue;
      const threadId = threadIdOf(roots, event.eventId);
      readPoints.set(threadId, Math.max(readPoints.get(threadId) ?? 0, event.streamOrdering));
    }

    const { ruleset, context } = rules;
    const notified: Notified[] = [];
    for (const event of candidates) {
      if (event.sender === userId || event.redactedBy !== null) continue;
      const threadId = threadIdOf(roots, event.eventId);
      const readUpTo = Math.max(readPoints.get('') ?? 0, readPoints.get(threadId) ?? 0);
      const read = event.streamOrdering <= readUpTo;
      if (read && unreadOnly) continue;
      const pushEvent = {
        type: event.type, sender: event.sender, room_id: roomId, content: (event.json.content ?? {}) as object,
        ...(event.stateKey === null ? {} : { state_key: event.stateKey }),
      };
      const outcome = evaluatePushRules(ruleset, pushEvent, context);
      if (!outcome.notify) continue;
      const actions = findMatchingRule(ruleset, pushEvent, context)?.actions ?? [];
      notified.push({ event, actions, read, threadId, outcome });
    }
    return notified;
  }

  /** Returns the stream ordering each thread is read up to; the key '' is the unthreaded receipt. */
  private async readPoints(userId: string, roomId: string): Promise<Map<string, number>> {
    return toReadPoints(await this.deps.receipts.readPositions(roomId, userId));
  }

  private async rulesFor(userId: string, roomId: string): Promise<{ ruleset: Ruleset; context: PushContext }> {
    const [rules, context] = await Promise.all([this.deps.pushRules.getRules(userId), buildPushContext(this.deps.events, userId, roomId)]);
    return { ruleset: rules.global, context };
  }
}

function toReadPoints(receipts: ReadonlyArray<{ threadId: string; streamOrdering: number }>): Map<string, number> {
  const points = new Map<string, number>();
  for (const receipt of receipts) points.set(receipt.threadId, Math.max(points.get(receipt.threadId) ?? 0, receipt.streamOrdering));
  return points;
}

function addCounts(counts: RoomUnreadCounts, notified: readonly Notified[]): void {
  for (const entry of notified) {
    const thread = entry.threadId === 'main' ? counts.main : (counts.threads[entry.threadId] ??= zero());
    for (const target of [counts.total, thread]) {
      target.notification_count += 1;
      if (entry.outcome.highlight) target.highlight_count += 1;
    }
  }
}

function zero(): UnreadCounts {
  return { notification_count: 0, highlight_count: 0 };
}
