import type { ClientEvent } from '../rooms/client-event.js';
import type { EventFormatter } from '../rooms/event-formatter.js';
import type { EventStore } from '../storage/events.js';
import type { PushAction } from '../push/types.js';
import type { UnreadCounter } from './unread.js';

export interface NotificationsRequest {
  userId: string;
  deviceId: string;
  /** Only events before this stream position; undefined starts at the newest. */
  before?: number;
  limit: number;
  onlyHighlights: boolean;
}

export interface NotificationsPage {
  notifications: Array<{ actions: PushAction[]; event: ClientEvent; read: boolean; room_id: string; ts: number }>;
  /** The stream position to pass as `from` for the next page; absent on the last page. */
  nextBefore?: number;
}

/**
 * GET /notifications: events in the user's joined rooms that the user's push rules made notify,
 * newest first. They are evaluated on request, with the user's current rules.
 * NOTE: a rule change also changes the past list, and each room contributes only its newest
 * 1000 events, because no per-event notification record is stored.
 */
export class NotificationLister {
  constructor(
    private readonly events: EventStore,
    private readonly unread: UnreadCounter,
    private readonly formatter: EventFormatter,
  ) {}

  async list(request: NotificationsRequest): Promise<NotificationsPage> {
    const rooms = await this.events.getRoomsForUser(request.userId, ['join']);
    const upTo = request.before === undefined ? Number.MAX_SAFE_INTEGER : request.before - 1;
    const found = [];
    for (const room of rooms) {
      const notified = await this.unread.notifiedEvents(request.userId, room.roomId, upTo, { unreadOnly: false });
      found.push(...notified.filter((entry) => !request.onlyHighlights || entry.outcome.highlight));
    }
    found.sort((a, b) => b.event.streamOrdering - a.event.streamOrdering);
    const page = found.slice(0, request.limit);
    const viewer = { userId: request.userId, deviceId: request.deviceId };
    const notifications = [];
    for (const entry of page) {
      const version = (await this.events.getRoom(entry.event.roomId))?.roomVersion;
      const [event] = await this.formatter.format([entry.event], viewer, { includeRoomId: true, roomVersion: version });
      if (!event) continue;
      notifications.push({ actions: entry.actions, event, read: entry.read, room_id: entry.event.roomId, ts: entry.event.originServerTs });
    }
    const last = page.at(-1);
    return found.length > page.length && last ? { notifications, nextBefore: last.event.streamOrdering } : { notifications };
  }
}
