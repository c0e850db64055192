import type { Logger } from '../logging.js';
import type { AccountDataStore, AccountDataEntry } from '../storage/account-data.js';
import type { Db } from '../storage/database.js';
import type { EventStore, MembershipRecord } from '../storage/events.js';
import { currentStreamPosition } from '../storage/stream.js';
import type { SyncReadStore } from '../storage/sync-reads.js';
import { matchesEventFilter, matchesRoomFilter, type SyncFilter } from './filter.js';
import type { SyncNotifier } from './notifier.js';
import type { RoomSyncBuilder } from './room-sync.js';
import { formatStreamToken } from './stream-token.js';

export interface SyncRequest {
  userId: string;
  deviceId: string;
  since: number | undefined;
  timeoutMs: number;
  filter: SyncFilter;
  fullState: boolean;
  /** The `set_presence` parameter: absent marks the user online. */
  setPresence?: 'online' | 'offline' | 'unavailable';
  signal?: AbortSignal;
}

export interface SyncResponse {
  next_batch: string;
  rooms: { join: Record<string, unknown>; invite: Record<string, unknown>; leave: Record<string, unknown>; knock: Record<string, unknown> };
  account_data: { events: Array<{ type: string; content: Record<string, unknown> }> };
  presence: { events: unknown[] };
  to_device: { events: unknown[] };
  device_lists: { changed: string[]; left: string[] };
  device_one_time_keys_count: Record<string, number>;
  device_unused_fallback_key_types: string[];
}

/** Supplies the effective push rules, which clients expect in the first sync's account data. */
export interface PushRuleSource {
  getRules(userId: string): Promise<Record<string, unknown>>;
}

/** Supplies `m.presence` events and records that a user is syncing. */
export interface PresenceSource {
  markSyncing(userId: string, setPresence: 'online' | 'offline' | 'unavailable' | undefined): Promise<void>;
  eventsFor(userId: string, since: number | undefined, upTo: number): Promise<Array<{ type: string; sender: string; content: object }>>;
}

/** Supplies the end-to-end encryption sections: to-device messages, device list changes, key counts. */
export interface E2eeSyncSource {
  /** The device's queued messages up to `upTo`; a `since` acknowledges everything at or below it. */
  toDevice(userId: string, deviceId: string, since: number | undefined, upTo: number): Promise<Array<{ sender: string; type: string; content: Record<string, unknown> }>>;
  deviceLists(userId: string, since: number, upTo: number): Promise<{ changed: string[]; left: string[] }>;
  oneTimeKeyCounts(userId: string, deviceId: string): Promise<Record<string, number>>;
  unusedFallbackKeyTypes(userId: string, deviceId: string): Promise<string[]>;
}

export interface SyncServiceDeps {
  db: Db;
  pushRules: PushRuleSource;
  events: EventStore;
  reads: SyncReadStore;
  accountData: AccountDataStore;
  rooms: RoomSyncBuilder;
  notifier: SyncNotifier;
  e2ee?: E2eeSyncSource;
  presence?: PresenceSource;
  logger: Logger;
}

/** /sync: computes what changed for a user since a token, waiting for changes when there are none. */
export class SyncService {
  constructor(private readonly deps: SyncServiceDeps) {}

  async sync(request: SyncRequest): Promise<SyncResponse> {
    const deadline = Date.now() + request.timeoutMs;
    await this.deps.presence?.markSyncing(request.userId, request.setPresence);
    for (;;) {
      const memberships = await this.deps.events.getRoomsForUser(request.userId);
      const upTo = await currentStreamPosition(this.deps.db);
      const since = request.since === undefined ? undefined : Math.min(request.since, upTo);
      const response = await this.build(request, since, upTo, memberships);

      const remaining = deadline - Date.now();
      if (since === undefined || !isEmpty(response) || remaining <= 0 || request.signal?.aborted) return response;
      // An event stored while this response was built has already been announced; look again.
      if (this.deps.notifier.position > upTo) continue;

      const watched = new Set(memberships.filter((m) => m.membership === 'join' || m.membership === 'invite' || m.membership === 'knock').map((m) => m.roomId));
      const woken = await this.deps.notifier.wait(request.userId, watched, remaining, request.signal);
      if (!woken) return response;
    }
  }

  private async build(request: SyncRequest, since: number | undefined, upTo: number, memberships: MembershipRecord[]): Promise<SyncResponse> {
    const roomFilter = request.filter.room ?? {};
    const context = { userId: request.userId, deviceId: request.deviceId, since, upTo, filter: roomFilter, fullState: request.fullState };
    const accountData = await this.deps.accountData.changedSince(request.userId, since ?? 0);
    const roomAccountData = groupByRoom(accountData.filter((entry) => entry.roomId !== '' && entry.streamPosition <= upTo));

    const response = emptyResponse(upTo);
    response.account_data.events = accountData
      .filter((entry) => entry.roomId === '' && entry.streamPosition <= upTo && matchesEventFilter(request.filter.account_data, { type: entry.type, sender: request.userId }))
      .map((entry) => ({ type: entry.type, content: entry.content }));
    // Push rules are stored only once a user changes them, but clients read them from the first sync.
    if (since === undefined && !response.account_data.events.some((event) => event.type === 'm.push_rules') &&
      matchesEventFilter(request.filter.account_data, { type: 'm.push_rules', sender: request.userId })) {
      response.account_data.events.push({ type: 'm.push_rules', content: await this.deps.pushRules.getRules(request.userId) });
    }

    const visible = memberships.filter((m) => m.streamOrdering <= upTo && matchesRoomFilter(roomFilter, m.roomId));
    const joined = await this.roomsToBuild(request, since, upTo, visible.filter((m) => m.membership === 'join'), roomAccountData);
    const others = visible.filter((m) => m.membership !== 'join' && (since === undefined || m.streamOrdering > since));
    const versions = await this.deps.reads.roomVersions([...joined, ...others].map((m) => m.roomId));
    const versionOf = (roomId: string) => versions.get(roomId) ?? '11';

    const joinedRooms = await this.deps.rooms.joinedRooms(context, joined.map((membership) => ({
      membership,
      accountData: (roomAccountData.get(membership.roomId) ?? []).filter((entry) => matchesEventFilter(roomFilter.account_data, { type: entry.type, sender: request.userId })),
      roomVersion: versionOf(membership.roomId),
    })));
    for (const [roomId, room] of joinedRooms) response.rooms.join[roomId] = room;

    for (const membership of others) {
      if (membership.membership === 'invite') {
        response.rooms.invite[membership.roomId] = await this.deps.rooms.invitedRoom(membership);
      } else if (membership.membership === 'knock') {
        response.rooms.knock[membership.roomId] = { knock_state: (await this.deps.rooms.invitedRoom(membership)).invite_state };
      } else if (membership.membership === 'leave' || membership.membership === 'ban') {
        if (since === undefined && roomFilter.include_leave !== true) continue;
        response.rooms.leave[membership.roomId] = await this.deps.rooms.leftRoom(context, membership, versionOf(membership.roomId));
      }
    }
    response.presence.events = (await this.deps.presence?.eventsFor(request.userId, since, upTo) ?? [])
      .filter((event) => matchesEventFilter(request.filter.presence, event));
    await this.addE2ee(response, request, since, upTo);
    return response;
  }

  /**
   * Returns the joined rooms that may have something for this sync: all of them for an initial or
   * full-state sync, else those with events, receipts, typing changes or room account data in
   * (since, upTo]. An untouched room then costs two index seeks and no per-room work.
   */
  private async roomsToBuild(
    request: SyncRequest, since: number | undefined, upTo: number, joined: MembershipRecord[],
    roomAccountData: ReadonlyMap<string, unknown>,
  ): Promise<MembershipRecord[]> {
    if (since === undefined || request.fullState) return joined;
    const roomIds = joined.map((m) => m.roomId);
    const changed = await this.deps.reads.roomsChangedBetween(roomIds, since, upTo);
    for (const roomId of this.deps.rooms.roomsWithTypingChanges(roomIds, since, upTo)) changed.add(roomId);
    return joined.filter((m) => changed.has(m.roomId) || roomAccountData.has(m.roomId) || m.streamOrdering > since);
  }

  private async addE2ee(response: SyncResponse, request: SyncRequest, since: number | undefined, upTo: number): Promise<void> {
    const e2ee = this.deps.e2ee;
    if (!e2ee) return;
    response.to_device.events = await e2ee.toDevice(request.userId, request.deviceId, since, upTo);
    // The spec fills device_lists only for an incremental sync; an initial one uses /keys/query.
    if (since !== undefined) response.device_lists = await e2ee.deviceLists(request.userId, since, upTo);
    response.device_one_time_keys_count = await e2ee.oneTimeKeyCounts(request.userId, request.deviceId);
    response.device_unused_fallback_key_types = await e2ee.unusedFallbackKeyTypes(request.userId, request.deviceId);
  }
}

function emptyResponse(upTo: number): SyncResponse {
  return {
    next_batch: formatStreamToken(upTo),
    rooms: { join: {}, invite: {}, leave: {}, knock: {} },
    account_data: { events: [] },
    presence: { events: [] },
    to_device: { events: [] },
    device_lists: { changed: [], left: [] },
    device_one_time_keys_count: {},
    device_unused_fallback_key_types: [],
  };
}

function isEmpty(response: SyncResponse): boolean {
  const { rooms } = response;
  return Object.keys(rooms.join).length === 0 && Object.keys(rooms.invite).length === 0 && Object.keys(rooms.leave).length === 0 &&
    Object.keys(rooms.knock).length === 0 &&
    response.account_data.events.length === 0 && response.to_device.events.length === 0 &&
    response.device_lists.changed.length === 0 && response.device_lists.left.length === 0 &&
    response.presence.events.length === 0;
}

function groupByRoom(entries: AccountDataEntry[]): Map<string, Array<{ type: string; content: Record<string, unknown> }>> {
  const byRoom = new Map<string, Array<{ type: string; content: Record<string, unknown> }>>();
  for (const entry of entries) {
    const list = byRoom.get(entry.roomId) ?? [];
    list.push({ type: entry.type, content: entry.content });
    byRoom.set(entry.roomId, list);
  }
  return byRoom;
}
