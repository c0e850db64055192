import { sql } from 'kysely';
import type { Db } from './database.js';
import { storedEventColumns, type StoredEvent } from './events.js';
import type { EventsTable } from './schema.js';

/** A range of one room's events: those after `after`, up to the query's common upper bound. */
export interface RoomRange {
  roomId: string;
  after: number;
}

/** A (type, state_key) of a room whose value at `position` is wanted. */
export interface StateKeyAt {
  roomId: string;
  type: string;
  stateKey: string;
  position: number;
}

// Each room takes two parameters, so a chunk stays far below SQLite's limit of 32,766 bound
// parameters and PostgreSQL's 65,535.
const ROOMS_PER_QUERY = 400;

/**
 * Reads for /sync that cover many rooms in one query each, so a sync of a user in hundreds of
 * rooms costs a few queries instead of a few per room. Rows come back unparsed: the caller
 * parses the JSON of the events it returns, and no other.
 */
export class SyncReadStore {
  constructor(private readonly db: Db) {}

  /**
   * Returns, per room, at most `limit` of the newest events in (range.after, upTo], in no
   * particular order. Each room costs two index range scans of at most `limit` rows, whatever
   * the length of its history, because a subquery first finds the stream ordering of the
   * `limit`-th newest event and the join then reads from there. A ROW_NUMBER() window would
   * read every event of every room instead.
   */
  async newestEvents(ranges: readonly RoomRange[], upTo: number, limit: number): Promise<Map<string, EventsTable[]>> {
    const byRoom = new Map<string, EventsTable[]>();
    if (limit <= 0) return byRoom;
    for (let start = 0; start < ranges.length; start += ROOMS_PER_QUERY) {
      const chunk = ranges.slice(start, start + ROOMS_PER_QUERY);
      const values = sql.join(chunk.map((range) => sql`(${range.roomId}, CAST(${range.after} AS BIGINT))`));
      const result = await sql<EventsTable>`
        WITH ranges(room_id, after_position) AS (VALUES ${values}),
        floors AS MATERIALIZED (
          SELECT r.room_id, r.after_position, (
            SELECT x.stream_ordering FROM events x
            WHERE x.room_id = r.room_id AND x.stream_ordering > r.after_position AND x.stream_ordering <= ${upTo}
            ORDER BY x.stream_ordering DESC LIMIT 1 OFFSET ${limit - 1}
          ) AS floor_position
          FROM ranges r
        )
        SELECT e.* FROM floors f
        JOIN events e ON e.room_id = f.room_id
        WHERE e.stream_ordering > f.after_position AND e.stream_ordering <= ${upTo}
          AND e.stream_ordering >= COALESCE(f.floor_position, 0)`.execute(this.db);
      for (const row of result.rows) push(byRoom, row.room_id, row);
    }
    return byRoom;
  }

  /** Returns the current state events of each room, unparsed. */
  async currentState(roomIds: readonly string[]): Promise<Map<string, EventsTable[]>> {
    const byRoom = new Map<string, EventsTable[]>();
    for (const chunk of chunks(roomIds)) {
      const rows = await this.db.selectFrom('current_state').innerJoin('events', 'events.event_id', 'current_state.event_id')
        .selectAll('events').where('current_state.room_id', 'in', chunk)
        .execute();
      for (const row of rows) push(byRoom, row.room_id, row);
    }
    return byRoom;
  }

  /**
   * Returns, for each key, the newest state event of that (room, type, state_key) at or before
   * its position, unparsed. Keys without such an event are absent.
   */
  async stateEventsAt(keys: readonly StateKeyAt[]): Promise<EventsTable[]> {
    const found: EventsTable[] = [];
    // Four parameters per key.
    for (let start = 0; start < keys.length; start += ROOMS_PER_QUERY / 2) {
      const chunk = keys.slice(start, start + ROOMS_PER_QUERY / 2);
      const values = sql.join(chunk.map((key) => sql`(${key.roomId}, ${key.type}, ${key.stateKey}, CAST(${key.position} AS BIGINT))`));
      const result = await sql<EventsTable>`
        WITH wanted(room_id, type, state_key, at_position) AS (VALUES ${values})
        SELECT e.* FROM wanted w
        JOIN events e ON e.stream_ordering = (
          SELECT MAX(x.stream_ordering) FROM events x
          WHERE x.room_id = w.room_id AND x.type = w.type AND x.state_key = w.state_key AND x.stream_ordering <= w.at_position
        )`.execute(this.db);
      found.push(...result.rows);
    }
    return found;
  }

  /** Returns the room version of each room. */
  async roomVersions(roomIds: readonly string[]): Promise<Map<string, string>> {
    const versions = new Map<string, string>();
    for (const chunk of chunks(roomIds)) {
      const rows = await this.db.selectFrom('rooms').select(['room_id', 'room_version']).where('room_id', 'in', chunk).execute();
      for (const row of rows) versions.set(row.room_id, row.room_version);
    }
    return versions;
  }

  /** Returns the joined and invited members of each room, ordered by user id. */
  async members(roomIds: readonly string[]): Promise<Map<string, Array<{ userId: string; membership: string }>>> {
    const byRoom = new Map<string, Array<{ userId: string; membership: string }>>();
    for (const chunk of chunks(roomIds)) {
      const rows = await this.db.selectFrom('room_memberships').select(['room_id', 'user_id', 'membership'])
        .where('room_id', 'in', chunk).where('membership', 'in', ['join', 'invite'])
        .orderBy('room_id').orderBy('user_id')
        .execute();
      for (const row of rows) push(byRoom, row.room_id, { userId: row.user_id, membership: row.membership });
    }
    return byRoom;
  }

  /**
   * Returns the user's read receipts (`m.read` and `m.read.private`, threaded or not) in each
   * room, with the stream ordering of the event each points at.
   */
  async readPositions(userId: string, roomIds: readonly string[]): Promise<Map<string, Array<{ threadId: string; streamOrdering: number }>>> {
    const byRoom = new Map<string, Array<{ threadId: string; streamOrdering: number }>>();
    for (const chunk of chunks(roomIds)) {
      const rows = await this.db.selectFrom('receipts')
        .innerJoin('events', 'events.event_id', 'receipts.event_id')
        .select(['receipts.room_id', 'receipts.thread_id', 'events.stream_ordering'])
        .where('receipts.user_id', '=', userId).where('receipts.room_id', 'in', chunk)
        .where('receipts.receipt_type', 'in', ['m.read', 'm.read.private'])
        .execute();
      for (const row of rows) push(byRoom, row.room_id, { threadId: row.thread_id, streamOrdering: Number(row.stream_ordering) });
    }
    return byRoom;
  }

  /** Returns the users joined to any room that `userId` is joined to, in one query. */
  async usersSharingJoinedRooms(userId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('room_memberships as own')
      .innerJoin('room_memberships as other', 'other.room_id', 'own.room_id')
      .select('other.user_id').distinct()
      .where('own.user_id', '=', userId).where('own.membership', '=', 'join').where('other.membership', '=', 'join')
      .execute();
    return rows.map((row) => row.user_id);
  }

  /**
   * Returns the rooms among `roomIds` with events or receipts in (since, upTo]. Each room costs
   * one index seek per table when nothing changed.
   */
  async roomsChangedBetween(roomIds: readonly string[], since: number, upTo: number): Promise<Set<string>> {
    const changed = new Set<string>();
    for (const chunk of chunks(roomIds)) {
      const events = await this.db.selectFrom('events').select('room_id').distinct()
        .where('room_id', 'in', chunk).where('stream_ordering', '>', since).where('stream_ordering', '<=', upTo)
        .execute();
      const receipts = await this.db.selectFrom('receipts').select('room_id').distinct()
        .where('room_id', 'in', chunk).where('stream_position', '>', since).where('stream_position', '<=', upTo)
        .execute();
      for (const row of [...events, ...receipts]) changed.add(row.room_id);
    }
    return changed;
  }
}

/**
 * Maps an `events` row to a StoredEvent whose `json` is parsed on first read, so events that
 * /sync reads but leaves out of its response cost no JSON.parse.
 */
export function toLazyStoredEvent(row: EventsTable): StoredEvent {
  let json: Record<string, unknown> | undefined;
  const event = storedEventColumns(row) as StoredEvent;
  Object.defineProperty(event, 'json', {
    enumerable: true,
    get: () => (json ??= JSON.parse(row.event_json) as Record<string, unknown>),
    set: (value: Record<string, unknown>) => {
      json = value;
    },
  });
  return event;
}

function chunks(roomIds: readonly string[]): string[][] {
  const result: string[][] = [];
  for (let start = 0; start < roomIds.length; start += ROOMS_PER_QUERY) result.push(roomIds.slice(start, start + ROOMS_PER_QUERY));
  return result;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
