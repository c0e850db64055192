import { MatrixError } from '../core/errors.js';
import type { ClientEvent } from '../rooms/client-event.js';
import type { EventFormatter } from '../rooms/event-formatter.js';
import type { RoomReader, Viewer } from '../rooms/room-reader.js';
import type { EventStore, StoredEvent } from '../storage/events.js';
import { matchesEventFilter, type EventFilter } from '../sync/filter.js';
import { formatStreamToken } from '../sync/stream-token.js';

export interface EventContextResponse {
  start: string;
  end: string;
  events_before: ClientEvent[];
  event: ClientEvent;
  events_after: ClientEvent[];
  state: ClientEvent[];
}

// Filtered-out events are skipped; this caps how many rows one side of the context scans.
const MAX_SCANNED_EVENTS = 1000;

/** GET /rooms/{roomId}/context/{eventId}: an event with the events around it and the state after them. */
export class EventContextReader {
  constructor(
    private readonly events: EventStore,
    private readonly reader: RoomReader,
    private readonly formatter: EventFormatter,
  ) {}

  /**
   * Returns up to `limit` events split around the event, half before and the rest after, with
   * /messages tokens for both ends. The filter applies to the surrounding events and the state only.
   */
  async context(viewer: Viewer, roomId: string, eventId: string, limit: number, filter: EventFilter | undefined): Promise<EventContextResponse> {
    const visibleUpTo = await this.reader.visibleUpTo(viewer.userId, roomId);
    const target = await this.events.getEvent(eventId);
    if (!target || target.roomId !== roomId || target.streamOrdering > visibleUpTo) {
      throw new MatrixError('M_NOT_FOUND', `Event ${eventId} not found in room ${roomId}.`);
    }
    const beforeLimit = Math.floor(limit / 2);
    const upTo = Math.min(visibleUpTo, Number.MAX_SAFE_INTEGER);
    const before = await this.scan(roomId, { after: 0, upTo: target.streamOrdering - 1, direction: 'backward' }, beforeLimit, filter);
    const after = await this.scan(roomId, { after: target.streamOrdering, upTo, direction: 'forward' }, limit - beforeLimit, filter);

    const last = after.events.at(-1) ?? target;
    let state = (await this.events.getStateAt(roomId, last.streamOrdering)).filter((event) => matchesEventFilter(filter, event));
    if (filter?.lazy_load_members) {
      const senders = new Set([target, ...before.events, ...after.events].map((event) => event.sender));
      state = state.filter((event) => event.type !== 'm.room.member' || (event.stateKey !== null && senders.has(event.stateKey)));
    }
    const options = { includeRoomId: true, roomVersion: (await this.events.getRoom(roomId))?.roomVersion };
    const [event] = await this.formatter.format([target], viewer, options);
    if (!event) throw new MatrixError('M_NOT_FOUND', `Event ${eventId} not found in room ${roomId}.`);
    return {
      start: formatStreamToken(before.boundary),
      end: formatStreamToken(after.boundary),
      events_before: await this.formatter.format(before.events, viewer, options),
      event,
      events_after: await this.formatter.format(after.events, viewer, options),
      state: await this.formatter.format(state, viewer, options),
    };
  }

  /**
   * Collects up to `limit` matching events in scan order and the /messages token that continues
   * past the last scanned one.
   */
  private async scan(
    roomId: string, range: { after: number; upTo: number; direction: 'forward' | 'backward' }, limit: number, filter: EventFilter | undefined,
  ): Promise<{ events: StoredEvent[]; boundary: number }> {
    const scanned = limit === 0 ? [] : await this.events.getRoomEvents(roomId, { ...range, limit: Math.min(MAX_SCANNED_EVENTS, Math.max(limit * 4, 50)) });
    const events: StoredEvent[] = [];
    let boundary = range.direction === 'backward' ? range.upTo : range.after;
    for (const event of scanned) {
      if (events.length >= limit) break;
      boundary = range.direction === 'backward' ? event.streamOrdering - 1 : event.streamOrdering;
      if (matchesEventFilter(filter, event)) events.push(event);
    }
    return { events, boundary };
  }
}
