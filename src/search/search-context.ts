import type { ClientEvent } from '../rooms/client-event.js';
import type { EventFormatter } from '../rooms/event-formatter.js';
import type { Viewer } from '../rooms/room-reader.js';
import type { EventStore, StoredEvent } from '../storage/events.js';
import type { SearchScope, SearchStore } from '../storage/search.js';
import { matchesEventFilter, type EventFilter } from '../sync/filter.js';
import { formatStreamToken } from '../sync/stream-token.js';

export interface SearchContext {
  start: string;
  end: string;
  events_before: ClientEvent[];
  events_after: ClientEvent[];
  profile_info?: Record<string, { displayname?: string; avatar_url?: string }>;
}

// Rows read on each side per requested context event, because the filter may skip some.
const SCAN_FACTOR = 4;

/** Reads the events around a search result for the `event_context` option of a search request. */
export class SearchContextReader {
  constructor(
    private readonly events: EventStore,
    private readonly search: SearchStore,
    private readonly formatter: EventFormatter,
  ) {}

  /**
   * Returns up to `beforeLimit` events before the result (newest first, as /context orders them)
   * and `afterLimit` after it, within what the user may see, with /messages tokens for both ends.
   * The search filter applies to them too. `includeProfile` adds each sender's display name and
   * avatar as their member event set them at the result.
   */
  async around(
    viewer: Viewer, result: StoredEvent, scope: SearchScope,
    limits: { beforeLimit: number; afterLimit: number; includeProfile: boolean }, filter: EventFilter | undefined,
  ): Promise<SearchContext> {
    const roomId = result.roomId;
    const upTo = Math.min(scope.upTo, Number.MAX_SAFE_INTEGER);
    const before = await this.scan(roomId, { after: 0, upTo: result.streamOrdering - 1, direction: 'backward' }, limits.beforeLimit, filter);
    const after = await this.scan(roomId, { after: result.streamOrdering, upTo, direction: 'forward' }, limits.afterLimit, filter);
    const roomVersion = (await this.events.getRoom(roomId))?.roomVersion;
    const options = { includeRoomId: true, roomVersion };
    const context: SearchContext = {
      start: formatStreamToken((before.at(-1) ?? result).streamOrdering - 1),
      end: formatStreamToken((after.at(-1) ?? result).streamOrdering),
      events_before: await this.formatter.format(before, viewer, options),
      events_after: await this.formatter.format(after, viewer, options),
    };
    if (limits.includeProfile) context.profile_info = await this.profiles(roomId, [result, ...before, ...after], result.streamOrdering);
    return context;
  }

  private async scan(
    roomId: string, range: { after: number; upTo: number; direction: 'forward' | 'backward' }, limit: number, filter: EventFilter | undefined,
  ): Promise<StoredEvent[]> {
    if (limit === 0) return [];
    const scanned = await this.events.getRoomEvents(roomId, { ...range, limit: limit * SCAN_FACTOR });
    return scanned.filter((event) => matchesEventFilter(filter, { type: event.type, sender: event.sender, content: event.json.content })).slice(0, limit);
  }

  private async profiles(roomId: string, events: StoredEvent[], position: number): Promise<NonNullable<SearchContext['profile_info']>> {
    const senders = [...new Set(events.map((event) => event.sender))];
    const memberEvents = await this.search.memberEventsAt(roomId, senders, position);
    const profiles: NonNullable<SearchContext['profile_info']> = {};
    for (const [userId, event] of memberEvents) {
      const content = (event.json.content ?? {}) as { displayname?: unknown; avatar_url?: unknown };
      profiles[userId] = {
        ...(typeof content.displayname === 'string' ? { displayname: content.displayname } : {}),
        ...(typeof content.avatar_url === 'string' && content.avatar_url.startsWith('mxc://') ? { avatar_url: content.avatar_url } : {}),
      };
    }
    return profiles;
  }
}
