import { MatrixError } from '../core/errors.js';
import type { EventStore } from '../storage/events.js';
import type { RoomReader } from './room-reader.js';

/** GET /rooms/{roomId}/timestamp_to_event: the event nearest a point in time, for jumping to a date. */
export class EventByTimestamp {
  constructor(
    private readonly events: EventStore,
    private readonly reader: RoomReader,
  ) {}

  /**
   * Returns the id and timestamp of the event nearest `ts` in direction `dir` among those the
   * user may see. Throws 403 when the user may not read the room, 404 when no event qualifies.
   */
  async find(userId: string, roomId: string, ts: number, dir: 'f' | 'b'): Promise<{ event_id: string; origin_server_ts: number }> {
    const visibleUpTo = await this.reader.visibleUpTo(userId, roomId);
    const upTo = Math.min(visibleUpTo, Number.MAX_SAFE_INTEGER);
    const event = await this.events.findEventByTimestamp(roomId, ts, dir === 'f' ? 'forward' : 'backward', upTo);
    if (!event) {
      const direction = dir === 'f' ? 'forward' : 'backward';
      throw new MatrixError('M_NOT_FOUND', `No event in room ${roomId} found from ${ts} in the ${direction} direction.`);
    }
    return { event_id: event.eventId, origin_server_ts: event.originServerTs };
  }
}
