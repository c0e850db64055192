import type { ClientEvent } from '../rooms/client-event.js';
import { toStrippedState } from '../rooms/client-event.js';
import type { EventFormatter } from '../rooms/event-formatter.js';
import type { EventStore, MembershipRecord, StoredEvent } from '../storage/events.js';
import { toLazyStoredEvent, type StateKeyAt, type SyncReadStore } from '../storage/sync-reads.js';
import { matchesEventFilter, type EventFilter, type RoomFilter } from './filter.js';
import { formatStreamToken } from './stream-token.js';
import type { RoomUnreadCounts, UnreadCounter } from './unread.js';

/** Supplies a room's ephemeral events (typing, receipts) for one user. */
export interface EphemeralSource {
  /** Ephemeral events of each room changed in (since, upTo], or the current ones when `since` is undefined; rooms without any are absent. */
  eventsForRooms(userId: string, roomIds: readonly string[], since: number | undefined, upTo: number): Promise<Map<string, Array<{ type: string; content: Record<string, unknown> }>>>;
  /** Rooms among `roomIds` whose typing list changed in (since, upTo]. */
  roomsWithTypingChanges(roomIds: readonly string[], since: number, upTo: number): Set<string>;
}

export interface RoomSyncContext {
  userId: string;
  deviceId: string;
  /** Undefined for an initial sync. */
  since: number | undefined;
  upTo: number;
  filter: RoomFilter;
  fullState: boolean;
}

export interface JoinedRoomSync {
  timeline: { events: ClientEvent[]; limited: boolean; prev_batch: string };
  state: { events: ClientEvent[] };
  account_data: { events: Array<{ type: string; content: Record<string, unknown> }> };
  ephemeral: { events: Array<{ type: string; content: Record<string, unknown> }> };
  summary: Record<string, unknown>;
  unread_notifications: { notification_count: number; highlight_count: number };
  unread_thread_notifications?: Record<string, unknown>;
}

/** A joined room to build, with its room account data (already filtered) and room version. */
export interface JoinedRoomInput {
  membership: MembershipRecord;
  accountData: Array<{ type: string; content: Record<string, unknown> }>;
  roomVersion: string;
}

interface TimelineSlice {
  events: StoredEvent[];
  limited: boolean;
}

interface FormattedRoom {
  timelineEvents: ClientEvent[];
  stateEvents: ClientEvent[];
}

// Synapse's default when the filter sets no timeline limit.
const DEFAULT_TIMELINE_LIMIT = 10;
const MAX_TIMELINE_LIMIT = 1000;
// Member events for the summary's heroes: at most five other members, as the spec suggests.
const MAX_HEROES = 5;

/** Builds the per-room sections of a /sync response. */
export class RoomSyncBuilder {
  constructor(
    private readonly events: EventStore,
    private readonly reads: SyncReadStore,
    private readonly formatter: EventFormatter,
    private readonly unread: UnreadCounter,
    private readonly ephemeral: EphemeralSource,
  ) {}

  /**
   * Builds the joined rooms: for each, the newest timeline events, the state before them (all
   * of it when the room is new to this sync), per-room account data, ephemeral events, summary
   * and unread counts. Each step reads all rooms with one query or a few, so the cost follows
   * the rooms and events returned rather than one round of queries per room. Rooms that an
   * incremental sync has nothing new for are absent from the result.
   */
  async joinedRooms(context: RoomSyncContext, rooms: readonly JoinedRoomInput[]): Promise<Map<string, JoinedRoomSync>> {
    const { since, upTo } = context;
    const isNew = (room: JoinedRoomInput) => since === undefined || room.membership.streamOrdering > since || context.fullState;
    const newRooms = rooms.filter(isNew).map((room) => room.membership.roomId);
    const seenRooms = rooms.filter((room) => !isNew(room)).map((room) => room.membership.roomId);

    const timelines = new Map([
      ...await this.timelines(newRooms, 0, upTo, context.filter.timeline),
      ...(since === undefined ? [] : await this.timelines(seenRooms, since, upTo, context.filter.timeline)),
    ]);
    const ephemeral = new Map([
      ...await this.ephemeral.eventsForRooms(context.userId, newRooms, undefined, upTo),
      ...await this.ephemeral.eventsForRooms(context.userId, seenRooms, since, upTo),
    ]);
    const ephemeralOf = (roomId: string) => (ephemeral.get(roomId) ?? [])
      .filter((event) => matchesEventFilter(context.filter.ephemeral, { type: event.type, sender: context.userId }));

    const included = rooms.filter((room) => {
      const roomId = room.membership.roomId;
      return isNew(room) || (timelines.get(roomId)?.events.length ?? 0) > 0 || room.accountData.length > 0 || ephemeralOf(roomId).length > 0;
    });
    const includedIds = included.map((room) => room.membership.roomId);
    const states = await this.statesBeforeTimelines(context, included.filter(isNew).map((room) => room.membership.roomId), timelines);
    for (const room of included.filter((room) => !isNew(room))) {
      const roomId = room.membership.roomId;
      const timeline = timelines.get(roomId) as TimelineSlice;
      const state = timeline.limited ? await this.stateChangesBetween(roomId, since as number, timelineStart(timeline, upTo) - 1) : [];
      states.set(roomId, this.filterState(state, timeline.events, context));
    }

    const formatted = await this.formatRooms(context, included, timelines, states);
    const members = await this.reads.members(includedIds);
    const unread = await this.unread.countForRooms(context.userId, includedIds, upTo);

    const result = new Map<string, JoinedRoomSync>();
    for (const room of included) {
      const roomId = room.membership.roomId;
      const timeline = timelines.get(roomId) as TimelineSlice;
      const { timelineEvents, stateEvents } = formatted.get(roomId) as FormattedRoom;
      result.set(roomId, {
        timeline: { events: timelineEvents, limited: timeline.limited, prev_batch: formatStreamToken(timelineStart(timeline, upTo) - 1) },
        state: { events: stateEvents },
        account_data: { events: room.accountData },
        ephemeral: { events: ephemeralOf(roomId) },
        summary: summaryOf(members.get(roomId) ?? [], context.userId),
        ...unreadSection(context, unread.get(roomId)),
      });
    }
    return result;
  }

  /** Reads the newest events in (after, upTo] of each room that pass the filter, oldest first, and whether more exist. */
  private async timelines(roomIds: readonly string[], after: number, upTo: number, filter: EventFilter | undefined): Promise<Map<string, TimelineSlice>> {
    const limit = Math.min(filter?.limit ?? DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT);
    // Without conditions on the events, one row beyond the limit shows whether the timeline is limited.
    const scanLimit = hasEventConditions(filter) ? Math.min(MAX_TIMELINE_LIMIT, Math.max(limit * 4, 50)) + 1 : limit + 1;
    const rows = await this.reads.newestEvents(roomIds.map((roomId) => ({ roomId, after })), upTo, scanLimit);
    const slices = new Map<string, TimelineSlice>();
    for (const roomId of roomIds) {
      const newestFirst = (rows.get(roomId) ?? []).map(toLazyStoredEvent).sort((a, b) => b.streamOrdering - a.streamOrdering);
      slices.set(roomId, selectTimeline(newestFirst, limit, scanLimit, filter));
    }
    return slices;
  }

  /**
   * Reads the filtered state before each room's timeline, for rooms new to the client. Current
   * state gives every (type, state_key) whose newest event precedes the timeline. Only the keys
   * changed since then are looked up in the room's history, in one query for all rooms.
   */
  private async statesBeforeTimelines(context: RoomSyncContext, roomIds: readonly string[], timelines: ReadonlyMap<string, TimelineSlice>): Promise<Map<string, StoredEvent[]>> {
    const current = await this.reads.currentState(roomIds);
    const states = new Map<string, StoredEvent[]>();
    const changedKeys: StateKeyAt[] = [];
    for (const roomId of roomIds) {
      const position = timelineStart(timelines.get(roomId) as TimelineSlice, context.upTo) - 1;
      const kept: StoredEvent[] = [];
      for (const row of current.get(roomId) ?? []) {
        if (Number(row.stream_ordering) <= position) kept.push(toLazyStoredEvent(row));
        else changedKeys.push({ roomId, type: row.type, stateKey: row.state_key ?? '', position });
      }
      states.set(roomId, kept);
    }
    for (const row of await this.reads.stateEventsAt(changedKeys)) states.get(row.room_id)?.push(toLazyStoredEvent(row));
    for (const [roomId, state] of states) {
      state.sort((a, b) => a.streamOrdering - b.streamOrdering);
      states.set(roomId, this.filterState(state, timelines.get(roomId)?.events ?? [], context));
    }
    return states;
  }

  /** Formats the timeline and state events of all rooms with one formatter call per room version. */
  private async formatRooms(
    context: RoomSyncContext, rooms: readonly JoinedRoomInput[], timelines: ReadonlyMap<string, TimelineSlice>, states: ReadonlyMap<string, StoredEvent[]>,
  ): Promise<Map<string, FormattedRoom>> {
    const byVersion = new Map<string, string[]>();
    for (const room of rooms) byVersion.set(room.roomVersion, [...(byVersion.get(room.roomVersion) ?? []), room.membership.roomId]);

    const viewer = { userId: context.userId, deviceId: context.deviceId };
    const formatted = new Map<string, FormattedRoom>();
    for (const [roomVersion, roomIds] of byVersion) {
      const batch = roomIds.flatMap((roomId) => [...(timelines.get(roomId)?.events ?? []), ...(states.get(roomId) ?? [])]);
      const events = await this.formatter.format(batch, viewer, { includeRoomId: false, roomVersion });
      let offset = 0;
      for (const roomId of roomIds) {
        const timelineCount = timelines.get(roomId)?.events.length ?? 0;
        const stateCount = states.get(roomId)?.length ?? 0;
        formatted.set(roomId, {
          timelineEvents: events.slice(offset, offset + timelineCount),
          stateEvents: events.slice(offset + timelineCount, offset + timelineCount + stateCount),
        });
        offset += timelineCount + stateCount;
      }
    }
    return formatted;
  }

  /** Rooms among `roomIds` whose typing list changed in (since, upTo]. */
  roomsWithTypingChanges(roomIds: readonly string[], since: number, upTo: number): Set<string> {
    return this.ephemeral.roomsWithTypingChanges(roomIds, since, upTo);
  }

  /** Builds an invited (or knocked-on) room: stripped state and the membership event, for clients to show it. */
  async invitedRoom(membership: MembershipRecord): Promise<{ invite_state: { events: Record<string, unknown>[] } }> {
    const state = await this.events.getCurrentState(membership.roomId, [
      'm.room.create', 'm.room.join_rules', 'm.room.name', 'm.room.avatar', 'm.room.canonical_alias', 'm.room.encryption', 'm.room.topic',
    ]);
    const invite = await this.events.getEvent(membership.eventId);
    const stripped = [...state, ...(invite ? [invite] : [])].map(toStrippedState);
    return { invite_state: { events: stripped } };
  }

  /** Builds a room the user left (or was removed from): the timeline up to and including the leave. */
  async leftRoom(context: RoomSyncContext, leave: MembershipRecord, roomVersion: string): Promise<Record<string, unknown>> {
    const after = context.since ?? 0;
    const { events: timeline, limited } = await this.timeline(leave.roomId, after, leave.streamOrdering, context.filter.timeline);
    const timelineStart = timeline[0]?.streamOrdering ?? leave.streamOrdering + 1;
    const state = limited || context.since === undefined
      ? this.filterState(await this.events.getStateAt(leave.roomId, timelineStart - 1), timeline, context)
      : [];
    const viewer = { userId: context.userId, deviceId: context.deviceId };
    const options = { includeRoomId: false, roomVersion };
    return {
      timeline: { events: await this.formatter.format(timeline, viewer, options), limited, prev_batch: formatStreamToken(timelineStart - 1) },
      state: { events: await this.formatter.format(state, viewer, options) },
      account_data: { events: [] },
    };
  }

  /** Reads the newest events in (after, upTo] of one room that pass the filter, oldest first, and whether more exist. */
  private async timeline(roomId: string, after: number, upTo: number, filter: EventFilter | undefined): Promise<TimelineSlice> {
    const limit = Math.min(filter?.limit ?? DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT);
    const scanLimit = Math.min(MAX_TIMELINE_LIMIT, Math.max(limit * 4, 50)) + 1;
    const newestFirst = await this.events.getRoomEvents(roomId, { after, upTo, direction: 'backward', limit: scanLimit });
    return selectTimeline(newestFirst, limit, scanLimit, filter);
  }

  /** State events written in (after, upTo], the newest per (type, state_key). */
  private async stateChangesBetween(roomId: string, after: number, upTo: number): Promise<StoredEvent[]> {
    const [before, atEnd] = await Promise.all([this.events.getStateAt(roomId, after), this.events.getStateAt(roomId, upTo)]);
    const unchanged = new Set(before.map((event) => event.eventId));
    return atEnd.filter((event) => !unchanged.has(event.eventId));
  }

  /** Applies the state filter and, with lazy loading, keeps only the members who sent timeline events. */
  private filterState(state: StoredEvent[], timeline: readonly StoredEvent[], context: RoomSyncContext): StoredEvent[] {
    const filter = context.filter.state;
    const senders = new Set(timeline.map((event) => event.sender));
    senders.add(context.userId);
    const timelineIds = new Set(timeline.map((event) => event.eventId));
    return state.filter((event) => {
      if (timelineIds.has(event.eventId)) return false;
      if (!matchesEventFilter(filter, event)) return false;
      if (filter?.lazy_load_members && event.type === 'm.room.member') return event.stateKey !== null && senders.has(event.stateKey);
      return true;
    });
  }

}

/** Picks up to `limit` events that pass the filter from the newest ones scanned, returned oldest first. */
function selectTimeline(newestFirst: readonly StoredEvent[], limit: number, scanLimit: number, filter: EventFilter | undefined): TimelineSlice {
  const selected: StoredEvent[] = [];
  let limited = false;
  for (const event of newestFirst) {
    if (!matchesEventFilter(filter, event)) continue;
    if (selected.length === limit) {
      limited = true;
      break;
    }
    selected.push(event);
  }
  if (newestFirst.length === scanLimit && !limited) limited = true;
  return { events: selected.reverse(), limited };
}

/** Returns whether the filter can reject an event, which `limit` and the lazy-loading flags cannot. */
function hasEventConditions(filter: EventFilter | undefined): boolean {
  if (!filter) return false;
  return filter.types !== undefined || filter.not_types !== undefined || filter.senders !== undefined ||
    filter.not_senders !== undefined || filter.contains_url !== undefined;
}

/** Returns the stream position of the timeline's first event, or just after `upTo` for an empty timeline. */
function timelineStart(timeline: TimelineSlice, upTo: number): number {
  return timeline.events[0]?.streamOrdering ?? upTo + 1;
}

function summaryOf(members: ReadonlyArray<{ userId: string; membership: string }>, userId: string): Record<string, unknown> {
  const joined = members.filter((m) => m.membership === 'join').length;
  const invited = members.length - joined;
  const heroes = members.filter((m) => m.userId !== userId).slice(0, MAX_HEROES).map((m) => m.userId);
  return { 'm.heroes': heroes, 'm.joined_member_count': joined, 'm.invited_member_count': invited };
}

/** Builds the unread counts, split per thread when the timeline filter sets `unread_thread_notifications`. */
function unreadSection(context: RoomSyncContext, counts: RoomUnreadCounts | undefined): Pick<JoinedRoomSync, 'unread_notifications' | 'unread_thread_notifications'> {
  const zero = { notification_count: 0, highlight_count: 0 };
  if (context.filter.timeline?.unread_thread_notifications !== true) return { unread_notifications: counts?.total ?? zero };
  return { unread_notifications: counts?.main ?? zero, unread_thread_notifications: counts?.threads ?? {} };
}
