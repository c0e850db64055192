import type { Transaction } from 'kysely';
import type { Db } from './database.js';
import { dialectOf, type StorageDialect } from './dialect/index.js';
import type { DatabaseSchema, EventsTable } from './schema.js';
import { allocateStreamPosition } from './stream.js';

/** An event as clients and services read it back: the signed JSON plus its place in the stream. */
export interface StoredEvent {
  streamOrdering: number;
  eventId: string;
  roomId: string;
  type: string;
  stateKey: string | null;
  sender: string;
  depth: number;
  originServerTs: number;
  /** The signed event as created, before any redaction. */
  json: Record<string, unknown>;
  redactedBy: string | null;
}

export interface RoomRecord {
  roomId: string;
  roomVersion: string;
  creator: string;
  isPublic: boolean;
}

export interface MembershipRecord {
  roomId: string;
  userId: string;
  membership: string;
  eventId: string;
  streamOrdering: number;
}

export interface PersistEventInput {
  eventId: string;
  roomId: string;
  type: string;
  stateKey: string | null;
  sender: string;
  depth: number;
  originServerTs: number;
  json: Record<string, unknown>;
  /** Forward extremities this event replaces (its prev_events). */
  prevEventIds: string[];
  /** Set for the create event: the room row to insert in the same transaction. */
  newRoom?: { roomVersion: string; creator: string };
  /** Set for client sends, so a retried transaction id finds this event. */
  transaction?: { userId: string; deviceId: string; txnId: string };
  /** The event a redaction redacts. */
  redacts?: string;
  relation?: { eventId: string; relType: string };
}

type EventRow = EventsTable;

/**
 * Another writer changed the room, or used the same transaction id, between building this event
 * and storing it; nothing was written. Only a second process on the same PostgreSQL database can
 * cause it, because one process builds the events of a room one at a time. Rebuild and retry.
 */
export class ConcurrentWriteError extends Error {
  constructor(readonly roomId: string, readonly reason: 'room changed' | 'transaction id used') {
    super(`Concurrent write to room ${roomId}: ${reason}`);
    this.name = 'ConcurrentWriteError';
  }
}

/** Rooms, their events, current state and memberships. The rooms service is the only writer. */
export class EventStore {
  constructor(private readonly db: Db) {}

  /**
   * Writes the event with everything that depends on it in one transaction: its stream position,
   * the room's forward extremities, current state, membership, the client's transaction id and
   * any redaction it applies. Returns the stream position. Throws ConcurrentWriteError, writing
   * nothing, when the room's forward extremities are no longer `prevEventIds` or the transaction
   * id was stored meanwhile.
   */
  async persist(input: PersistEventInput, now: number): Promise<number> {
    const dialect = dialectOf(this.db);
    return this.db.transaction().execute(async (trx) => {
      // The room lock comes before the stream counter's row lock in every transaction that takes
      // both, so two writers can never wait on each other in a cycle.
      await dialect.lockRoom(trx, input.roomId);
      if (input.newRoom) {
        await trx.insertInto('rooms').values({
          room_id: input.roomId, room_version: input.newRoom.roomVersion, creator: input.newRoom.creator, is_public: 0, created_ts: now,
        }).execute();
      }
      await replaceForwardExtremities(trx, input);
      if (input.transaction) await insertTransactionId(trx, dialect, input, input.transaction, now);
      if (input.redacts) {
        await trx.updateTable('events').set({ redacted_by: input.eventId })
          .where('event_id', '=', input.redacts).where('room_id', '=', input.roomId).where('redacted_by', 'is', null)
          .execute();
      }
      // Last, because on PostgreSQL the counter's row lock serialises every writer from here to
      // commit; only the rows that contain the position are written while it is held.
      const position = await allocateStreamPosition(trx);
      await trx.insertInto('events').values(toEventRow(input, position)).execute();
      if (input.stateKey !== null) await updateCurrentState(trx, input, position);
      return position;
    });
  }

  async findTransaction(userId: string, deviceId: string, txnId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('event_transactions').select('event_id')
      .where('user_id', '=', userId).where('device_id', '=', deviceId).where('txn_id', '=', txnId)
      .executeTakeFirst();
    return row?.event_id;
  }

  /** Transaction ids that this device used for any of the events, by event id. */
  async getTransactionIds(userId: string, deviceId: string, eventIds: readonly string[]): Promise<Map<string, string>> {
    if (eventIds.length === 0) return new Map();
    // Filtering on event_id alone lets SQLite use the event_id index: given the user and device
    // too, it picks the primary key (user_id, device_id, txn_id) and scans every transaction
    // the device ever sent. An event has at most one row, so the other columns are checked here.
    const rows = await this.db.selectFrom('event_transactions').select(['event_id', 'txn_id', 'user_id', 'device_id'])
      .where('event_id', 'in', [...eventIds])
      .execute();
    return new Map(rows.filter((row) => row.user_id === userId && row.device_id === deviceId).map((row) => [row.event_id, row.txn_id]));
  }

  async getRoom(roomId: string): Promise<RoomRecord | undefined> {
    const row = await this.db.selectFrom('rooms').selectAll().where('room_id', '=', roomId).executeTakeFirst();
    return row && { roomId: row.room_id, roomVersion: row.room_version, creator: row.creator, isPublic: row.is_public === 1 };
  }

  async setRoomPublic(roomId: string, isPublic: boolean): Promise<void> {
    await this.db.updateTable('rooms').set({ is_public: isPublic ? 1 : 0 }).where('room_id', '=', roomId).execute();
  }

  async listPublicRooms(): Promise<string[]> {
    const rows = await this.db.selectFrom('rooms').select('room_id').where('is_public', '=', 1).orderBy('created_ts').execute();
    return rows.map((row) => row.room_id);
  }

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    const row = await this.db.selectFrom('events').selectAll().where('event_id', '=', eventId).executeTakeFirst();
    return row && toStoredEvent(row);
  }

  async getEvents(eventIds: readonly string[]): Promise<StoredEvent[]> {
    if (eventIds.length === 0) return [];
    const rows = await this.db.selectFrom('events').selectAll().where('event_id', 'in', [...eventIds]).execute();
    return rows.map(toStoredEvent);
  }

  async getForwardExtremities(roomId: string): Promise<Array<{ eventId: string; depth: number }>> {
    const rows = await this.db.selectFrom('room_forward_extremities').select(['event_id', 'depth'])
      .where('room_id', '=', roomId).execute();
    return rows.map((row) => ({ eventId: row.event_id, depth: Number(row.depth) }));
  }

  /** Returns the room's current state events, optionally limited to some event types. */
  async getCurrentState(roomId: string, types?: readonly string[]): Promise<StoredEvent[]> {
    let query = this.db.selectFrom('current_state').innerJoin('events', 'events.event_id', 'current_state.event_id')
      .selectAll('events').where('current_state.room_id', '=', roomId);
    if (types) query = query.where('current_state.type', 'in', [...types]);
    const rows = await query.orderBy('events.stream_ordering').execute();
    return rows.map(toStoredEvent);
  }

  async getCurrentStateEvent(roomId: string, type: string, stateKey: string): Promise<StoredEvent | undefined> {
    const row = await this.db.selectFrom('current_state').innerJoin('events', 'events.event_id', 'current_state.event_id')
      .selectAll('events')
      .where('current_state.room_id', '=', roomId).where('current_state.type', '=', type).where('current_state.state_key', '=', stateKey)
      .executeTakeFirst();
    return row && toStoredEvent(row);
  }

  /**
   * Returns the room's state just after the event at `position`: for each (type, state_key), the newest
   * state event at or before it. Events of one server form a single line, so stream order is
   * the order in which state changed.
   */
  async getStateAt(roomId: string, position: number): Promise<StoredEvent[]> {
    const rows = await this.db.selectFrom('events as e').selectAll('e')
      .where('e.room_id', '=', roomId)
      .where('e.state_key', 'is not', null)
      .where('e.stream_ordering', '<=', position)
      .where(({ not, exists, selectFrom }) => not(exists(
        selectFrom('events as later').select('later.stream_ordering')
          .whereRef('later.room_id', '=', 'e.room_id')
          .whereRef('later.type', '=', 'e.type')
          .whereRef('later.state_key', '=', 'e.state_key')
          .whereRef('later.stream_ordering', '>', 'e.stream_ordering')
          .where('later.stream_ordering', '<=', position),
      )))
      .orderBy('e.stream_ordering')
      .execute();
    return rows.map(toStoredEvent);
  }

  /**
   * Events of a room strictly after `after` and at most `upTo`, newest first when `direction` is
   * `backward`. `limit` caps the count from the starting end.
   */
  async getRoomEvents(
    roomId: string,
    range: { after: number; upTo: number; direction: 'forward' | 'backward'; limit: number },
  ): Promise<StoredEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll()
      .where('room_id', '=', roomId)
      .where('stream_ordering', '>', range.after)
      .where('stream_ordering', '<=', range.upTo)
      .orderBy('stream_ordering', range.direction === 'forward' ? 'asc' : 'desc')
      .limit(range.limit)
      .execute();
    return rows.map(toStoredEvent);
  }

  /**
   * Returns the room's event closest to `ts` (milliseconds) in `direction`: the earliest at or
   * after it (`forward`), or the latest at or before it (`backward`), among events at stream
   * positions up to `upTo`. Ties in timestamp go to the event stored first going forward, last
   * going backward.
   * NOTE: no index covers origin_server_ts, so this reads the room's events up to `upTo`.
   */
  async findEventByTimestamp(roomId: string, ts: number, direction: 'forward' | 'backward', upTo: number): Promise<StoredEvent | undefined> {
    const order = direction === 'forward' ? 'asc' : 'desc';
    const row = await this.db.selectFrom('events').selectAll()
      .where('room_id', '=', roomId)
      .where('stream_ordering', '<=', upTo)
      .where('origin_server_ts', direction === 'forward' ? '>=' : '<=', ts)
      .orderBy('origin_server_ts', order).orderBy('stream_ordering', order)
      .limit(1)
      .executeTakeFirst();
    return row && toStoredEvent(row);
  }

  async getMembership(roomId: string, userId: string): Promise<MembershipRecord | undefined> {
    const row = await this.db.selectFrom('room_memberships').selectAll()
      .where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
    return row && toMembership(row);
  }

  /** Returns the user's current membership in every room they have any membership event in. */
  async getRoomsForUser(userId: string, memberships?: readonly string[]): Promise<MembershipRecord[]> {
    let query = this.db.selectFrom('room_memberships').selectAll().where('user_id', '=', userId);
    if (memberships) query = query.where('membership', 'in', [...memberships]);
    const rows = await query.execute();
    return rows.map(toMembership);
  }

  async getMembers(roomId: string, memberships?: readonly string[]): Promise<MembershipRecord[]> {
    let query = this.db.selectFrom('room_memberships').selectAll().where('room_id', '=', roomId);
    if (memberships) query = query.where('membership', 'in', [...memberships]);
    const rows = await query.orderBy('user_id').execute();
    return rows.map(toMembership);
  }

  /** Membership events whose target is the user, written after `since`, oldest first. */
  async getMembershipChangesSince(userId: string, since: number): Promise<StoredEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll()
      .where('type', '=', 'm.room.member').where('state_key', '=', userId).where('stream_ordering', '>', since)
      .orderBy('stream_ordering')
      .execute();
    return rows.map(toStoredEvent);
  }

  /** Rooms among `roomIds` that have events after `since`, so incremental /sync can skip the rest. */
  async getRoomsChangedSince(roomIds: readonly string[], since: number): Promise<Set<string>> {
    if (roomIds.length === 0) return new Set();
    const rows = await this.db.selectFrom('events').select('room_id').distinct()
      .where('room_id', 'in', [...roomIds]).where('stream_ordering', '>', since)
      .execute();
    return new Set(rows.map((row) => row.room_id));
  }

  /** Messages from other users after the user's newest event in the room, up to `upTo`. */
  async countMessagesFromOthersSinceOwn(roomId: string, userId: string, upTo: number): Promise<number> {
    const own = await this.db.selectFrom('events').select((eb) => eb.fn.max('stream_ordering').as('last'))
      .where('room_id', '=', roomId).where('sender', '=', userId).where('stream_ordering', '<=', upTo)
      .executeTakeFirst();
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.countAll().as('count'))
      .where('room_id', '=', roomId).where('sender', '!=', userId)
      .where('stream_ordering', '>', Number(own?.last ?? 0)).where('stream_ordering', '<=', upTo)
      .where('type', 'in', ['m.room.message', 'm.room.encrypted', 'm.sticker'])
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  async getRelations(eventId: string, relType?: string): Promise<StoredEvent[]> {
    let query = this.db.selectFrom('events').selectAll().where('relates_to_id', '=', eventId);
    if (relType) query = query.where('rel_type', '=', relType);
    const rows = await query.orderBy('stream_ordering').execute();
    return rows.map(toStoredEvent);
  }
}

async function insertTransactionId(
  trx: Transaction<DatabaseSchema>, dialect: StorageDialect, input: PersistEventInput,
  transaction: NonNullable<PersistEventInput['transaction']>, now: number,
): Promise<void> {
  try {
    await trx.insertInto('event_transactions').values({
      user_id: transaction.userId, device_id: transaction.deviceId, txn_id: transaction.txnId, event_id: input.eventId, created_ts: now,
    }).execute();
  } catch (error) {
    // The primary key (user, device, transaction id) was taken by a send that committed first,
    // possibly in another process. The caller looks up that send's event id.
    if (dialect.isUniqueViolation(error)) throw new ConcurrentWriteError(input.roomId, 'transaction id used');
    throw error;
  }
}

/**
 * Makes the event the room's only forward extremity. Throws ConcurrentWriteError unless the
 * extremities it replaces were exactly the event's prev_events. The caller's transaction then
 * rolls the deletion back.
 */
async function replaceForwardExtremities(trx: Transaction<DatabaseSchema>, input: PersistEventInput): Promise<void> {
  const replaced = await trx.deleteFrom('room_forward_extremities').where('room_id', '=', input.roomId).returning('event_id').execute();
  const current = new Set(replaced.map((row) => row.event_id));
  const same = current.size === input.prevEventIds.length && input.prevEventIds.every((id) => current.has(id));
  if (!same) throw new ConcurrentWriteError(input.roomId, 'room changed');

  await trx.insertInto('room_forward_extremities')
    .values({ room_id: input.roomId, event_id: input.eventId, depth: input.depth })
    .execute();
}

async function updateCurrentState(trx: Transaction<DatabaseSchema>, input: PersistEventInput, position: number): Promise<void> {
  const stateKey = input.stateKey ?? '';
  await trx.insertInto('current_state')
    .values({ room_id: input.roomId, type: input.type, state_key: stateKey, event_id: input.eventId, stream_ordering: position })
    .onConflict((oc) => oc.columns(['room_id', 'type', 'state_key']).doUpdateSet({ event_id: input.eventId, stream_ordering: position }))
    .execute();
  if (input.type !== 'm.room.member') return;

  const content = input.json.content as { membership?: unknown } | undefined;
  const membership = typeof content?.membership === 'string' ? content.membership : 'leave';
  await trx.insertInto('room_memberships')
    .values({ room_id: input.roomId, user_id: stateKey, membership, event_id: input.eventId, stream_ordering: position })
    .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ membership, event_id: input.eventId, stream_ordering: position }))
    .execute();
}

function toEventRow(input: PersistEventInput, position: number): EventRow {
  return {
    stream_ordering: position,
    event_id: input.eventId,
    room_id: input.roomId,
    type: input.type,
    state_key: input.stateKey,
    sender: input.sender,
    depth: input.depth,
    origin_server_ts: input.originServerTs,
    event_json: JSON.stringify(input.json),
    redacted_by: null,
    relates_to_id: input.relation?.eventId ?? null,
    rel_type: input.relation?.relType ?? null,
  };
}

/** Maps an `events` row to a StoredEvent; other stores that read the events table use it too. */
export function toStoredEvent(row: EventRow): StoredEvent {
  return { ...storedEventColumns(row), json: JSON.parse(row.event_json) as Record<string, unknown> };
}

/** Maps the columns of an `events` row other than the event JSON. */
export function storedEventColumns(row: EventRow): Omit<StoredEvent, 'json'> {
  return {
    streamOrdering: Number(row.stream_ordering),
    eventId: row.event_id,
    roomId: row.room_id,
    type: row.type,
    stateKey: row.state_key,
    sender: row.sender,
    depth: Number(row.depth),
    originServerTs: Number(row.origin_server_ts),
    redactedBy: row.redacted_by,
  };
}

function toMembership(row: { room_id: string; user_id: string; membership: string; event_id: string; stream_ordering: number }): MembershipRecord {
  return {
    roomId: row.room_id,
    userId: row.user_id,
    membership: row.membership,
    eventId: row.event_id,
    streamOrdering: Number(row.stream_ordering),
  };
}
