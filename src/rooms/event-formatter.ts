import type { EventStore, StoredEvent } from '../storage/events.js';
import { toClientEvent, type ClientEvent } from './client-event.js';

/** Supplies bundled aggregations (`unsigned["m.relations"]`) for a batch of events, by event id. */
export interface RelationBundler {
  bundle(batch: readonly StoredEvent[], viewerId: string | undefined): Promise<Map<string, Record<string, unknown>>>;
}

/**
 * Formats batches of stored events for one device: loads the redaction events of redacted ones
 * and the device's own transaction ids in one query each, rather than per event.
 */
export class EventFormatter {
  constructor(
    private readonly events: EventStore,
    private readonly now: () => number = Date.now,
    private readonly bundler?: RelationBundler,
  ) {}

  async format(
    batch: readonly StoredEvent[],
    viewer: { userId: string; deviceId: string } | undefined,
    options: { includeRoomId: boolean; roomVersion?: string },
  ): Promise<ClientEvent[]> {
    const redactionIds = batch.map((event) => event.redactedBy).filter((id): id is string => id !== null);
    const redactions = new Map((await this.events.getEvents(redactionIds)).map((event) => [event.eventId, event]));
    const ownEventIds = viewer ? batch.filter((event) => event.sender === viewer.userId).map((event) => event.eventId) : [];
    const transactionIds = viewer ? await this.events.getTransactionIds(viewer.userId, viewer.deviceId, ownEventIds) : new Map<string, string>();
    const bundles = this.bundler ? await this.bundler.bundle(batch, viewer?.userId) : new Map<string, Record<string, unknown>>();
    const now = this.now();
    return batch.map((event) => {
      const clientEvent = toClientEvent(event, {
        now,
        includeRoomId: options.includeRoomId,
        transactionId: transactionIds.get(event.eventId),
        redaction: event.redactedBy ? redactions.get(event.redactedBy) : undefined,
        roomVersion: options.roomVersion,
      });
      const bundle = bundles.get(event.eventId);
      if (bundle) clientEvent.unsigned = { ...clientEvent.unsigned, 'm.relations': bundle };
      return clientEvent;
    });
  }
}
