/**
 * Sends push notifications for stored room events to the recipients' http pushers. Events go
 * through an in-process queue, so the request that stored an event does not wait for push rule
 * evaluation or a push gateway.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '../logging.js';
import type { StoredEvent } from '../storage/events.js';
import type { Pusher } from '../storage/pushers.js';
import { evaluatePushRules, findMatchingRule, type PushContext, type PushEvent } from './evaluator.js';
import { GatewayError, postNotification } from './gateway-client.js';
import { buildNotifyBody, pushkeyRef, type NotifyBody, type PushedEvent } from './push-notification.js';
import type { Ruleset } from './types.js';

/** The room reads delivery needs. */
export interface PushRoomReader {
  getRoomEvents(roomId: string, range: { after: number; upTo: number; direction: 'forward' | 'backward'; limit: number }): Promise<StoredEvent[]>;
  getCurrentStateEvent(roomId: string, type: string, stateKey: string): Promise<StoredEvent | undefined>;
}

/** The pusher rows delivery reads and deletes. */
export interface PusherRows {
  listForJoinedMembers(roomId: string): Promise<Pusher[]>;
  listForUser(userId: string): Promise<Pusher[]>;
  get(userId: string, appId: string, pushkey: string): Promise<Pusher | undefined>;
  delete(userId: string, appId: string, pushkey: string): Promise<boolean>;
}

export interface PushDeliveryDeps {
  rooms: PushRoomReader;
  pushers: PusherRows;
  rulesFor(userId: string): Promise<Ruleset>;
  contextFor(userId: string, roomId: string): Promise<PushContext>;
  /** Unread notifications across the user's joined rooms, for the badge count. */
  unreadCount(userId: string): Promise<number>;
  logger: Logger;
  fetch?: typeof fetch;
  /** The delay before the first retry; each later retry waits twice as long, up to MAX_RETRY_DELAY_MS. */
  firstRetryDelayMs?: number;
}

// With a first delay of 1 s, ten attempts wait 1 + 2 + ... + 256 s, so a gateway may be down for
// about 8.5 minutes before a notification is dropped.
const DEFAULT_FIRST_RETRY_DELAY_MS = 1000;
const MAX_ATTEMPTS = 10;
const MAX_RETRY_DELAY_MS = 10 * 60_000;
// Events waiting for evaluation. Past this the newest are dropped with a log line, so a stalled
// database cannot grow the queue without bound.
const MAX_QUEUED_EVENTS = 10_000;

interface Send {
  pusher: Pusher;
  body: NotifyBody;
  eventId: string;
  attempt: number;
}

/**
 * Evaluates each queued event against the push rules of the room's members and posts a
 * notification to each http pusher of every member the rules make notify. Events are evaluated
 * one at a time, in the order they were stored; sends and their retries run independently.
 *
 * Only the process that stored an event queues it (see withPushDelivery), so with several
 * processes on one PostgreSQL database each event is pushed by exactly one of them.
 */
export class PushDelivery {
  private readonly queue: Array<{ roomId: string; position: number }> = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  // Aborted by close(), so a slow gateway cannot keep a stopping process alive.
  private readonly cancelSends = new AbortController();
  private pumping = false;
  private closed = false;
  private droppedEvents = 0;
  private readonly fetch: typeof fetch;
  private readonly firstRetryDelayMs: number;

  constructor(private readonly deps: PushDeliveryDeps) {
    this.fetch = deps.fetch ?? fetch;
    this.firstRetryDelayMs = deps.firstRetryDelayMs ?? DEFAULT_FIRST_RETRY_DELAY_MS;
  }

  /** Queues the room event stored at `position`; returns at once. */
  enqueue(roomId: string, position: number): void {
    if (this.closed) return;
    if (this.queue.length >= MAX_QUEUED_EVENTS) {
      this.droppedEvents += 1;
      if (this.droppedEvents % 100 === 1) {
        this.deps.logger.error({ roomId, position, droppedEvents: this.droppedEvents }, 'push queue is full; event dropped without push notifications');
      }
      return;
    }
    this.queue.push({ roomId, position });
    if (this.pumping) return;
    this.pumping = true;
    // Started on a later turn of the event loop, so the request that stored the event responds first.
    setImmediate(() => void this.pump());
  }

  /** Stops evaluating, aborts the sends in flight and cancels pending retries. */
  close(): void {
    this.closed = true;
    this.cancelSends.abort();
    this.queue.length = 0;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  private async pump(): Promise<void> {
    try {
      for (let next = this.queue.shift(); next && !this.closed; next = this.queue.shift()) {
        try {
          await yieldToEventLoop();
          await this.process(next.roomId, next.position);
        } catch (error) {
          if (!this.closed) this.deps.logger.error({ err: error, roomId: next.roomId, position: next.position }, 'push evaluation failed; event skipped');
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async process(roomId: string, position: number): Promise<void> {
    const [event] = await this.deps.rooms.getRoomEvents(roomId, { after: position - 1, upTo: position, direction: 'forward', limit: 1 });
    if (!event || event.redactedBy !== null) return;

    const pushers = await this.pushersOfRecipients(event);
    if (pushers.length === 0) return;

    const pushed = await this.describe(event);
    for (const userId of new Set(pushers.map((pusher) => pusher.userId))) {
      // SQLite queries run synchronously, so without this a long evaluation would hold back
      // every request waiting for the event loop.
      await yieldToEventLoop();
      const actions = await this.notifyingActions(userId, event);
      if (!actions) continue;
      const unread = await this.deps.unreadCount(userId);
      for (const pusher of pushers.filter((candidate) => candidate.userId === userId)) {
        const body = buildNotifyBody(pushed, { userId, actions, unread }, pusher);
        void this.send({ pusher, body, eventId: event.eventId, attempt: 1 });
      }
    }
  }

  /**
   * Returns the pushers of the users whose rules the event is evaluated for: the joined members
   * and, for an invite, its target, never the sender.
   */
  private async pushersOfRecipients(event: StoredEvent): Promise<Pusher[]> {
    const pushers = await this.deps.pushers.listForJoinedMembers(event.roomId);
    const invited = event.type === 'm.room.member' && contentOf(event)['membership'] === 'invite' ? event.stateKey : null;
    if (invited !== null && !pushers.some((pusher) => pusher.userId === invited)) pushers.push(...await this.deps.pushers.listForUser(invited));
    return pushers.filter((pusher) => pusher.userId !== event.sender);
  }

  /** Returns the actions of the rule that makes the event notify the user, or undefined when none does. */
  private async notifyingActions(userId: string, event: StoredEvent) {
    const [ruleset, context] = await Promise.all([this.deps.rulesFor(userId), this.deps.contextFor(userId, event.roomId)]);
    const pushEvent: PushEvent = {
      type: event.type, sender: event.sender, room_id: event.roomId, content: contentOf(event),
      ...(event.stateKey === null ? {} : { state_key: event.stateKey }),
    };
    if (!evaluatePushRules(ruleset, pushEvent, context).notify) return undefined;
    return findMatchingRule(ruleset, pushEvent, context)?.actions ?? [];
  }

  /** Reads the sender's display name and the room's name and alias for the full format. */
  private async describe(event: StoredEvent): Promise<PushedEvent> {
    const [member, name, alias] = await Promise.all([
      this.deps.rooms.getCurrentStateEvent(event.roomId, 'm.room.member', event.sender),
      this.deps.rooms.getCurrentStateEvent(event.roomId, 'm.room.name', ''),
      this.deps.rooms.getCurrentStateEvent(event.roomId, 'm.room.canonical_alias', ''),
    ]);
    return {
      eventId: event.eventId, roomId: event.roomId, type: event.type, sender: event.sender, stateKey: event.stateKey,
      content: contentOf(event),
      senderDisplayName: nonEmptyString(member && contentOf(member)['displayname']),
      roomName: nonEmptyString(name && contentOf(name)['name']),
      roomAlias: nonEmptyString(alias && contentOf(alias)['alias']),
    };
  }

  private async send(send: Send): Promise<void> {
    const { pusher } = send;
    const ids = { userId: pusher.userId, appId: pusher.appId, pushkey: pushkeyRef(pusher.pushkey), eventId: send.eventId, attempt: send.attempt };
    let rejected: string[];
    try {
      rejected = await postNotification(pusher.data.url as string, send.body, { fetch: this.fetch, cancel: this.cancelSends.signal });
    } catch (error) {
      this.onFailure(send, error, ids);
      return;
    }
    if (this.closed) return;
    this.deps.logger.debug(ids, 'push notification sent');
    if (rejected.includes(pusher.pushkey)) {
      await this.deps.pushers.delete(pusher.userId, pusher.appId, pusher.pushkey)
        .then(() => this.deps.logger.info(ids, 'push gateway rejected the pushkey; pusher deleted'))
        .catch((error: unknown) => this.deps.logger.error({ ...ids, err: error }, 'could not delete a pusher the push gateway rejected'));
    }
  }

  private onFailure(send: Send, error: unknown, ids: Record<string, unknown>): void {
    if (this.closed) return;
    const retryable = !(error instanceof GatewayError) || error.retryable;
    if (!retryable || send.attempt >= MAX_ATTEMPTS) {
      this.deps.logger.warn({ ...ids, err: error }, retryable ? 'push notification failed on every attempt; dropped' : 'push gateway rejected the notification; dropped');
      return;
    }
    const delayMs = Math.min(this.firstRetryDelayMs * 2 ** (send.attempt - 1), MAX_RETRY_DELAY_MS);
    this.deps.logger.warn({ ...ids, err: error, retryInMs: delayMs }, 'push notification failed; retrying');
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.retry(send);
    }, delayMs);
    timer.unref();
    this.retryTimers.add(timer);
  }

  /** Sends again, to the pusher's current URL, unless the pusher was deleted meanwhile. */
  private async retry(send: Send): Promise<void> {
    const { userId, appId, pushkey } = send.pusher;
    const current = await this.deps.pushers.get(userId, appId, pushkey).catch(() => send.pusher);
    if (!current || this.closed) return;
    await this.send({ ...send, pusher: current, attempt: send.attempt + 1 });
  }
}

function contentOf(event: StoredEvent): Record<string, unknown> {
  return (event.json.content ?? {}) as Record<string, unknown>;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
