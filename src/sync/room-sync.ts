import type { ClientEvent } from '../rooms/client-event.js';
import { toStrippedState } from '../rooms/client-event.js';
import type { EventFormatter } from '../rooms/event-formatter.js';
import type { AccountDataStore } from '../storage/account-data.js';
import type { EventStore, MembershipRecord, StoredEvent } from '../storage/events.js';
import { matchesEventFilter, type EventFilter, type RoomFilter } from './filter.js';
import { formatStreamToken } from './stream-token.js';
import type { UnreadCounter } from './unread.js';

/** Supplies a room's ephemeral events (typing, receipts) for one user. */
export interface EphemeralSource {
  eventsFor(userId: string, roomId: string, since: number | undefined, upTo: number): Promise<Array<{ type: string; content: Record<string, unknown> }>>;
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

// Synapse's default when the filter sets no timeline limit.
const DEFAULT_TIMELINE_LIMIT = 10;
const MAX_TIMELINE_LIMIT = 1000;
// Member events for the summary's heroes: at most five other members, as the spec suggests.
const MAX_HEROES = 5;

/** Builds the per-room sections of a /sync response. */
export class RoomSyncBuilder {
  constructor(
    private readonly events: EventStore,
    private readonly accountData: AccountDataStore,
    private readonly formatter: EventFormatter,
    private readonly unread: UnreadCounter,
    private readonly ephemeral: EphemeralSource,
  ) {}

  /**
   * Builds a joined room: the newest timeline events, the state before them (all of it when the room
   * is new to this sync), per-room account data, summary and unread counts. Returns undefined
   * when an incremental sync has nothing new for the room.
   */
  async joinedRoom(context: RoomSyncContext, membership: MembershipRecord, accountData: Array<{ type: string; content: Record<string, unknown> }>, roomVersion: string): Promise<JoinedRoomSync | undefined> {
    const { since, upTo } = context;
    const isNewToClient = since === undefined || membership.streamOrdering > since || context.fullState;
    const timelineFilter = context.filter.timeline;
    const after = isNewToClient ? 0 : (since as number);
    const { events: timeline, limited } = await this.timeline(membership.roomId, after, upTo, timelineFilter);

    const ephemeral = (await this.ephemeral.eventsFor(context.userId, membership.roomId, isNewToClient ? undefined : since, upTo))
      .filter((event) => matchesEventFilter(context.filter.ephemeral, { type: event.type, sender: context.userId }));
    if (!isNewToClient && timeline.length === 0 && accountData.length === 0 && ephemeral.length === 0) return undefined;

    const timelineStart = timeline[0]?.streamOrdering ?? upTo + 1;
    let stateEvents: StoredEvent[];
    if (isNewToClient) {
      stateEvents = await this.events.getStateAt(membership.roomId, timelineStart - 1);
    } else if (limited) {
      stateEvents = await this.stateChangesBetween(membership.roomId, since as number, timelineStart - 1);
    } else {
      stateEvents = [];
    }
    stateEvents = this.filterState(stateEvents, timeline, context);

    const viewer = { userId: context.userId, deviceId: context.deviceId };
    const options = { includeRoomId: false, roomVersion };
    return {
      timeline: {
        events: await this.formatter.format(timeline, viewer, options),
        limited,
        prev_batch: formatStreamToken(timelineStart - 1),
      },
      state: { events: await this.formatter.format(stateEvents, viewer, options) },
      account_data: { events: accountData },
      ephemeral: { events: ephemeral },
      summary: await this.summary(membership.roomId, context.userId),
      ...(await this.unreadSection(context, membership.roomId)),
    };
  }

  /** Unread counts; split per thread when the timeline filter sets `unread_thread_notifications`. */
  private async unreadSection(context: RoomSyncContext, roomId: string): Promise<Pick<JoinedRoomSync, 'unread_notifications' | 'unread_thread_notifications'>> {
    const counts = await this.unread.countFor(context.userId, roomId, context.upTo);
    if (context.filter.timeline?.unread_thread_notifications !== true) return { unread_notifications: counts.total };
    return { unread_notifications: counts.main, unread_thread_notifications: counts.threads };
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

  /** The newest events in (after, upTo] that pass the filter, oldest first, and whether more exist. */
  private async timeline(roomId: string, after: number, upTo: number, filter: EventFilter | undefined): Promise<{ events: StoredEvent[]; limited: boolean }> {
    const limit = Math.min(filter?.limit ?? DEFAULT_TIMELINE_LIMIT, MAX_TIMELINE_LIMIT);
    const scanLimit = Math.min(MAX_TIMELINE_LIMIT, Math.max(limit * 4, 50)) + 1;
    const newestFirst = await this.events.getRoomEvents(roomId, { after, upTo, direction: 'backward', limit: scanLimit });
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

  private async summary(roomId: string, userId: string): Promise<Record<string, unknown>> {
    const members = await this.events.getMembers(roomId, ['join', 'invite']);
    const joined = members.filter((m) => m.membership === 'join').length;
    const invited = members.length - joined;
    const heroes = members.filter((m) => m.userId !== userId).slice(0, MAX_HEROES).map((m) => m.userId);
    return { 'm.heroes': heroes, 'm.joined_member_count': joined, 'm.invited_member_count': invited };
  }
}
