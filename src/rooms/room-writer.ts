import {
  authEventKeys, checkEventAuth, computeRoomIdFromCreateEvent, finalizeEvent, getRoomVersion, stateKey,
  type AuthEvent, type Pdu, type RoomVersion, type SigningKey, type UnsignedPdu,
} from '../core/index.js';
import { MatrixError } from '../core/errors.js';
import type { Logger } from '../logging.js';
import { ConcurrentWriteError, type EventStore, type PersistEventInput, type StoredEvent } from '../storage/events.js';
import { KeyedMutex } from './keyed-mutex.js';
import type { EventNotifier } from './notifier.js';
import { RoomStateCache, type CachedRoom } from './room-state-cache.js';

/** An event a caller requests for a room; the writer fills in the graph fields and signs it. */
export interface EventTemplate {
  type: string;
  sender: string;
  content: Record<string, unknown>;
  stateKey?: string;
  /** Redaction target; written as `content.redacts` from room version 11 and top-level before. */
  redacts?: string;
}

export interface AppendOptions {
  transaction?: { userId: string; deviceId: string; txnId: string };
  /** Rejects the event with M_FORBIDDEN, before the transaction id is looked up, unless the sender is joined. */
  requireJoinedSender?: boolean;
}

export interface AppendResult {
  eventId: string;
  position: number;
}

export interface RoomWriterDeps {
  events: EventStore;
  notifier: EventNotifier;
  serverName: string;
  signingKey: SigningKey;
  logger: Logger;
  now?: () => number;
}

// Each retry follows a commit by another process. Running out means that other processes
// committed this many events to the room while this one was building, and the send fails with a 500.
const MAX_CONCURRENT_WRITE_ATTEMPTS = 20;

// Events a server accepts are at most 65,536 bytes as canonical JSON, per the spec's size limits.
const MAX_EVENT_BYTES = 65_536;

// State events kept by the room cache over all rooms. A message needs three or four per room (the
// create event, power levels, the sender's membership), so this covers a few thousand busy rooms
// at a few kilobytes per event.
const MAX_CACHED_STATE_EVENTS = 10_000;

/**
 * The only writer of room events: builds each event in the room version's format, checks it
 * against the room's current state with the version's auth rules, persists it and wakes /sync.
 *
 * The state it reads comes from a per-room cache that only this class updates, after each commit.
 * Another process on the same PostgreSQL database can make the cache stale. That is still safe:
 * an event built on stale state names stale prev_events, so persisting it fails with
 * ConcurrentWriteError, and a rejection by the auth rules is checked again on fresh state.
 */
export class RoomWriter {
  private readonly roomLocks = new KeyedMutex();
  private readonly cache = new RoomStateCache(MAX_CACHED_STATE_EVENTS);
  private readonly now: () => number;

  constructor(private readonly deps: RoomWriterDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Creates a room by writing its `m.room.create` event; returns the new room id. */
  async createRoom(version: RoomVersion, sender: string, content: Record<string, unknown>, randomRoomId: string): Promise<string> {
    const template: UnsignedPdu = {
      sender, type: 'm.room.create', state_key: '', content, origin_server_ts: this.now(),
      prev_events: [], auth_events: [], depth: 1,
    };
    let roomId = randomRoomId;
    if (version.roomIdFromCreateEvent) {
      roomId = computeRoomIdFromCreateEvent(finalizeEvent(template, this.deps.serverName, this.deps.signingKey, version).event, version);
    } else {
      template.room_id = roomId;
    }
    const { event, eventId } = finalizeEvent(template, this.deps.serverName, this.deps.signingKey, version);
    const position = await this.deps.events.persist({
      eventId, roomId, type: event.type, stateKey: '', sender, depth: 1, originServerTs: event.origin_server_ts,
      json: event as unknown as Record<string, unknown>, prevEventIds: [], newRoom: { roomVersion: version.id, creator: sender },
    }, this.now());
    this.deps.notifier.notifyRoomEvent(roomId, position, sender);
    this.deps.logger.info({ roomId, roomVersion: version.id, sender }, 'room created');
    return roomId;
  }

  /**
   * Appends an event to an existing room; throws M_NOT_FOUND for an unknown room and M_FORBIDDEN
   * when the auth rules reject the event.
   */
  async append(roomId: string, template: EventTemplate, options: AppendOptions = {}): Promise<AppendResult> {
    return this.roomLocks.run(roomId, async () => {
      for (let attempt = 1; ; attempt += 1) {
        const cached = this.cache.get(roomId);
        try {
          const room = cached ?? await this.loadRoom(roomId);
          if (options.requireJoinedSender) await this.requireJoined(room, template.sender);
          if (options.transaction) {
            const { userId, deviceId, txnId } = options.transaction;
            const earlier = await this.deps.events.findTransaction(userId, deviceId, txnId);
            if (earlier) return { eventId: earlier, position: -1 };
          }
          return await this.buildAndPersist(room, template, options);
        } catch (error) {
          // The cached state may have caused the failure, or the commit's outcome is unknown. So the
          // next attempt or send reads the room from the store again.
          this.cache.delete(roomId);
          // Another process may have changed the state that rejected the event; check it again on fresh state.
          if (cached && error instanceof MatrixError && error.errcode === 'M_FORBIDDEN') continue;
          // Another process wrote to the room (or stored this transaction id) after this event was
          // built; building again picks up the new extremities and depth, or the earlier event id.
          if (!(error instanceof ConcurrentWriteError) || attempt >= MAX_CONCURRENT_WRITE_ATTEMPTS) throw error;
          this.deps.logger.debug({ roomId, attempt, reason: error.reason }, 'room changed by another process; building the event again');
        }
      }
    });
  }

  /** Drops what the writer keeps about the room, for callers that delete its data from the store. */
  forgetRoom(roomId: string): void {
    this.cache.delete(roomId);
  }

  private async loadRoom(roomId: string): Promise<CachedRoom> {
    const record = await this.deps.events.getRoom(roomId);
    if (!record) throw new MatrixError('M_NOT_FOUND', `Room ${roomId} is not known to this server.`);
    const version = requireVersion(record.roomVersion);
    const createEvent = await this.deps.events.getCurrentStateEvent(roomId, 'm.room.create', '');
    if (!createEvent) throw new Error(`Room ${roomId} has no create event`);
    const extremities = await this.deps.events.getForwardExtremities(roomId);

    const room: CachedRoom = {
      roomId, version, createEvent, extremities, state: new Map([[stateKey('m.room.create', ''), createEvent]]),
    };
    this.cache.add(room);
    return room;
  }

  private async requireJoined(room: CachedRoom, userId: string): Promise<void> {
    const member = await this.currentState(room, 'm.room.member', userId);
    const membership = (member?.json.content as { membership?: unknown } | undefined)?.membership;
    if (membership !== 'join') throw new MatrixError('M_FORBIDDEN', `${userId} is not joined to room ${room.roomId}.`);
  }

  private async currentState(room: CachedRoom, type: string, key: string): Promise<StoredEvent | undefined> {
    const cacheKey = stateKey(type, key);
    const cached = room.state.get(cacheKey);
    if (cached !== undefined) return cached ?? undefined;

    const stored = await this.deps.events.getCurrentStateEvent(room.roomId, type, key);
    this.cache.setState(room, cacheKey, stored ?? null);
    return stored;
  }

  private async buildAndPersist(room: CachedRoom, template: EventTemplate, options: AppendOptions): Promise<AppendResult> {
    const { roomId, version, createEvent } = room;
    const content = { ...template.content };
    const partial = { type: template.type, sender: template.sender, content, ...(template.stateKey !== undefined ? { state_key: template.stateKey } : {}) };
    const authState = await this.loadAuthState(room, partial);
    const extremities = room.extremities;
    const depth = Math.max(0, ...extremities.map((e) => e.depth)) + 1;

    const unsignedPdu: UnsignedPdu = {
      ...partial,
      room_id: roomId,
      origin_server_ts: this.now(),
      prev_events: extremities.map((e) => e.eventId),
      auth_events: [...authState.values()].map((event) => event.eventId),
      depth,
    };
    // Room version 11 moved the redaction target from the top level into the content.
    if (template.redacts !== undefined && version.redaction === 'v11') content.redacts = template.redacts;
    else if (template.redacts !== undefined) unsignedPdu.redacts = template.redacts;
    if (!version.roomIdFromCreateEvent) unsignedPdu.auth_events = withCreateFirst(unsignedPdu.auth_events, createEvent.eventId);

    const { event, eventId } = finalizeEvent(unsignedPdu, this.deps.serverName, this.deps.signingKey, version);
    checkSize(event);
    this.authorize(event, authState, version, createEvent);

    const previous = template.stateKey !== undefined ? await this.currentState(room, template.type, template.stateKey) : undefined;
    const json = withPrevContent(event, previous);
    const persisted = {
      eventId, roomId, type: event.type, stateKey: template.stateKey ?? null, sender: event.sender, depth,
      originServerTs: event.origin_server_ts, json, prevEventIds: unsignedPdu.prev_events,
      transaction: options.transaction, redacts: template.redacts, relation: relationOf(content),
    };
    const position = await this.deps.events.persist(persisted, this.now());
    this.recordCommitted(room, persisted, position);

    this.deps.notifier.notifyRoomEvent(roomId, position, template.type === 'm.room.member' ? template.stateKey : undefined);
    return { eventId, position };
  }

  /** Brings the cached room up to the event just committed, the room's only forward extremity now. */
  private recordCommitted(room: CachedRoom, input: PersistEventInput, position: number): void {
    // A redaction changes stored rows of an earlier event, which may be cached. Reading the room
    // again is simpler than finding the cached event it hit.
    if (input.redacts !== undefined) {
      this.cache.delete(room.roomId);
      return;
    }

    room.extremities = [{ eventId: input.eventId, depth: input.depth }];
    if (input.stateKey === null) return;
    this.cache.setState(room, stateKey(input.type, input.stateKey), {
      streamOrdering: position, eventId: input.eventId, roomId: input.roomId, type: input.type, stateKey: input.stateKey,
      sender: input.sender, depth: input.depth, originServerTs: input.originServerTs, json: input.json, redactedBy: null,
    });
  }

  /** Loads the current state events that the auth rules read for this event. */
  private async loadAuthState(room: CachedRoom, partial: AuthEvent): Promise<Map<string, AuthEvent & { eventId: string }>> {
    const state = new Map<string, AuthEvent & { eventId: string }>();
    for (const [type, key] of authEventKeys(partial as Parameters<typeof authEventKeys>[0], room.version)) {
      const stored = await this.currentState(room, type, key);
      if (stored) state.set(stateKey(type, key), { ...(stored.json as unknown as AuthEvent), eventId: stored.eventId });
    }
    return state;
  }

  private authorize(event: Pdu, authState: Map<string, AuthEvent & { eventId: string }>, version: RoomVersion, createEvent: StoredEvent): void {
    const state = new Map(authState);
    state.set(stateKey('m.room.create', ''), { ...(createEvent.json as unknown as AuthEvent), eventId: createEvent.eventId });
    const result = checkEventAuth(event, state, version, createEvent.json as unknown as AuthEvent);
    if (!result.allowed) {
      this.deps.logger.debug({ roomId: event.room_id, sender: event.sender, type: event.type, reason: result.reason }, 'event rejected by auth rules');
      throw new MatrixError('M_FORBIDDEN', `Not allowed: ${result.reason}`);
    }
  }
}

function requireVersion(id: string): RoomVersion {
  const version = getRoomVersion(id);
  if (!version) throw new MatrixError('M_UNSUPPORTED_ROOM_VERSION', `Room version ${id} is not supported.`);
  return version;
}

function withCreateFirst(authEvents: string[], createEventId: string): string[] {
  return [createEventId, ...authEvents.filter((id) => id !== createEventId)];
}

function checkSize(event: Pdu): void {
  const size = Buffer.byteLength(JSON.stringify(event), 'utf8');
  if (size > MAX_EVENT_BYTES) {
    throw new MatrixError('M_TOO_LARGE', `The event is ${size} bytes; events may be at most ${MAX_EVENT_BYTES} bytes.`, { status: 413 });
  }
}

/** Keeps the replaced state's content in `unsigned`, where clients read `prev_content`. */
function withPrevContent(event: Pdu, previous: StoredEvent | undefined): Record<string, unknown> {
  const json = { ...event } as unknown as Record<string, unknown>;
  if (previous) json.unsigned = { prev_content: previous.json.content, replaces_state: previous.eventId, prev_sender: previous.sender };
  return json;
}

function relationOf(content: Record<string, unknown>): { eventId: string; relType: string } | undefined {
  const relatesTo = content['m.relates_to'];
  if (typeof relatesTo !== 'object' || relatesTo === null) return undefined;
  const { event_id: eventId, rel_type: relType } = relatesTo as Record<string, unknown>;
  return typeof eventId === 'string' && typeof relType === 'string' ? { eventId, relType } : undefined;
}
