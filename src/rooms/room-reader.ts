import { MatrixError } from '../core/errors.js';
import type { EventStore, StoredEvent } from '../storage/events.js';
import type { ClientEvent } from './client-event.js';
import type { EventFormatter } from './event-formatter.js';
import { matchesEventFilter, type EventFilter } from '../sync/filter.js';
import { formatStreamToken, parseStreamToken } from '../sync/stream-token.js';
import { currentStreamPosition } from '../storage/stream.js';
import type { Db } from '../storage/database.js';

export interface Viewer {
  userId: string;
  deviceId: string;
}

export interface MessagesRequest {
  from?: string;
  to?: string;
  dir: 'b' | 'f';
  limit: number;
  filter?: EventFilter;
}

export interface MessagesResponse {
  start: string;
  end?: string;
  chunk: ClientEvent[];
  state?: ClientEvent[];
}

// Pages of /messages skip filtered-out events; this caps how many rows one request scans.
const MAX_SCANNED_EVENTS = 1000;

/** Reads room state, members and history on behalf of a user, within what they may see. */
export class RoomReader {
  constructor(
    private readonly db: Db,
    private readonly events: EventStore,
    private readonly formatter: EventFormatter,
  ) {}

  async getState(viewer: Viewer, roomId: string): Promise<ClientEvent[]> {
    const upTo = await this.visibleUpTo(viewer.userId, roomId);
    const state = upTo === Infinity ? await this.events.getCurrentState(roomId) : await this.events.getStateAt(roomId, upTo);
    return this.formatter.format(state, viewer, { includeRoomId: true, roomVersion: await this.roomVersion(roomId) });
  }

  async getStateEvent(viewer: Viewer, roomId: string, type: string, stateKey: string): Promise<Record<string, unknown>> {
    const upTo = await this.visibleUpTo(viewer.userId, roomId);
    let event: StoredEvent | undefined;
    if (upTo === Infinity) event = await this.events.getCurrentStateEvent(roomId, type, stateKey);
    else event = (await this.events.getStateAt(roomId, upTo)).find((e) => e.type === type && e.stateKey === stateKey);
    if (!event) throw new MatrixError('M_NOT_FOUND', `Room ${roomId} has no ${type} state with key "${stateKey}".`);
    const [formatted] = await this.formatter.format([event], viewer, { includeRoomId: true, roomVersion: await this.roomVersion(roomId) });
    return formatted?.content ?? {};
  }

  async getMembers(viewer: Viewer, roomId: string, filter: { membership?: string; notMembership?: string }): Promise<ClientEvent[]> {
    const upTo = await this.visibleUpTo(viewer.userId, roomId);
    const state = upTo === Infinity ? await this.events.getCurrentState(roomId, ['m.room.member']) : (await this.events.getStateAt(roomId, upTo)).filter((e) => e.type === 'm.room.member');
    const members = state.filter((event) => {
      const membership = (event.json.content as { membership?: string } | undefined)?.membership;
      if (filter.membership && membership !== filter.membership) return false;
      return !(filter.notMembership && membership === filter.notMembership);
    });
    return this.formatter.format(members, viewer, { includeRoomId: true, roomVersion: await this.roomVersion(roomId) });
  }

  async getJoinedMembers(viewer: Viewer, roomId: string): Promise<Record<string, { display_name?: string; avatar_url?: string }>> {
    const membership = await this.events.getMembership(roomId, viewer.userId);
    if (membership?.membership !== 'join') throw new MatrixError('M_FORBIDDEN', `${viewer.userId} is not joined to room ${roomId}.`);
    const joined: Record<string, { display_name?: string; avatar_url?: string }> = {};
    for (const event of await this.events.getCurrentState(roomId, ['m.room.member'])) {
      const content = (event.json.content ?? {}) as { membership?: string; displayname?: unknown; avatar_url?: unknown };
      if (content.membership !== 'join' || event.stateKey === null) continue;
      joined[event.stateKey] = {
        ...(typeof content.displayname === 'string' ? { display_name: content.displayname } : {}),
        ...(typeof content.avatar_url === 'string' ? { avatar_url: content.avatar_url } : {}),
      };
    }
    return joined;
  }

  async getEvent(viewer: Viewer, roomId: string, eventId: string): Promise<ClientEvent> {
    const upTo = await this.visibleUpTo(viewer.userId, roomId);
    const event = await this.events.getEvent(eventId);
    if (!event || event.roomId !== roomId || event.streamOrdering > upTo) {
      throw new MatrixError('M_NOT_FOUND', `Event ${eventId} not found in room ${roomId}.`);
    }
    const [formatted] = await this.formatter.format([event], viewer, { includeRoomId: true, roomVersion: await this.roomVersion(roomId) });
    if (!formatted) throw new MatrixError('M_NOT_FOUND', `Event ${eventId} not found.`);
    return formatted;
  }

  /** GET /messages: a page of history in either direction, with the tokens to continue. */
  async getMessages(viewer: Viewer, roomId: string, request: MessagesRequest): Promise<MessagesResponse> {
    const upTo = await this.visibleUpTo(viewer.userId, roomId);
    const head = Math.min(upTo, await currentStreamPosition(this.db));
    // Without `from`, backward pagination starts at the newest event and forward at the oldest.
    let from = request.dir === 'b' ? head : 0;
    if (request.from !== undefined) from = parseStreamToken(request.from, 'from');
    const to = request.to === undefined ? undefined : parseStreamToken(request.to, 'to');

    const range = request.dir === 'b'
      ? { after: to ?? 0, upTo: Math.min(from, head), direction: 'backward' as const }
      : { after: from, upTo: Math.min(to ?? head, head), direction: 'forward' as const };
    const scanLimit = Math.min(MAX_SCANNED_EVENTS, Math.max(request.limit * 4, 50));
    const scanned = await this.events.getRoomEvents(roomId, { ...range, limit: scanLimit });

    const page: StoredEvent[] = [];
    let consumed = 0;
    for (const event of scanned) {
      if (page.length >= request.limit) break;
      consumed += 1;
      if (matchesEventFilter(request.filter, event)) page.push(event);
    }
    const last = scanned[consumed - 1];
    const reachedEnd = consumed === scanned.length && scanned.length < scanLimit;
    const roomVersion = await this.roomVersion(roomId);
    const chunk = await this.formatter.format(page, viewer, { includeRoomId: true, roomVersion });
    const response: MessagesResponse = { start: formatStreamToken(from), chunk };
    if (!reachedEnd && last) response.end = formatStreamToken(request.dir === 'b' ? last.streamOrdering - 1 : last.streamOrdering);
    if (request.filter?.lazy_load_members) response.state = await this.membersFor(page, viewer, roomId, roomVersion);
    return response;
  }

  /** Returns the member events of the senders in `page`, for lazy-loading clients. */
  async membersFor(page: readonly StoredEvent[], viewer: Viewer, roomId: string, roomVersion: string): Promise<ClientEvent[]> {
    const senders = new Set(page.map((event) => event.sender));
    const members = (await this.events.getCurrentState(roomId, ['m.room.member'])).filter((event) => event.stateKey !== null && senders.has(event.stateKey));
    return this.formatter.format(members, viewer, { includeRoomId: true, roomVersion });
  }

  /**
   * Returns the newest stream position whose events the user may see: everything while joined, and
   * history up to their leave or ban once they left. Throws M_FORBIDDEN for non-members.
   */
  async visibleUpTo(userId: string, roomId: string): Promise<number> {
    const room = await this.events.getRoom(roomId);
    if (!room) throw new MatrixError('M_FORBIDDEN', `${userId} is not in room ${roomId}, or it does not exist.`);
    const membership = await this.events.getMembership(roomId, userId);
    if (membership?.membership === 'join') return Infinity;
    if (membership && (membership.membership === 'leave' || membership.membership === 'ban')) {
      const wasJoined = (await this.events.getMembershipChangesSince(userId, 0))
        .some((event) => event.roomId === roomId && (event.json.content as { membership?: string }).membership === 'join');
      if (wasJoined) return membership.streamOrdering;
    }
    // TODO: world_readable history visibility and the per-event "joined"/"invited" settings are not applied yet.
    throw new MatrixError('M_FORBIDDEN', `${userId} is not in room ${roomId}.`);
  }

  private async roomVersion(roomId: string): Promise<string> {
    return (await this.events.getRoom(roomId))?.roomVersion ?? '11';
  }
}
