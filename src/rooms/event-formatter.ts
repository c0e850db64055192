import type { EventStore, StoredEvent } from '../storage/events.js';
import { toClientEvent, type ClientEvent } from './client-event.js';

/**
 * Formats batches of stored events for one device: loads the redaction events of redacted ones
 * and the device's own transaction ids in one query each, rather than per event.
 */
export class EventFormatter {
  constructor(
    private readonly events: EventStore,
    private readonly now: () => number = Date.now,
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
    const now = this.now();
    return batch.map((event) =>
      toClientEvent(event, {
        now,
        includeRoomId: options.includeRoomId,
        transactionId: transactionIds.get(event.eventId),
        redaction: event.redactedBy ? redactions.get(event.redactedBy) : undefined,
        roomVersion: options.roomVersion,
      }),
    );
  }
}
