import type { Db } from './database.js';
import { dialectOf } from './dialect/index.js';

/** One room as the admin API lists it, read from the room's current state. */
export interface RoomSummary {
  roomId: string;
  roomVersion: string;
  creator: string;
  isPublic: boolean;
  createdTs: number;
  joinedMembers: number;
  stateEvents: number;
  /** Content of the current state events the admin API shows, by event type (state key ""). */
  state: Record<string, Record<string, unknown>>;
}

export interface RoomListQuery {
  offset: number;
  limit: number;
  /** Newest first when true. */
  newestFirst: boolean;
}

// State events whose content the admin room list and details show.
const SUMMARY_STATE_TYPES = [
  'm.room.name', 'm.room.canonical_alias', 'm.room.topic', 'm.room.avatar', 'm.room.encryption',
  'm.room.create', 'm.room.join_rules', 'm.room.guest_access', 'm.room.history_visibility',
];

// Tables with a room_id column that a purge empties, children before the rooms row.
const ROOM_TABLES = [
  'current_state', 'room_memberships', 'room_forward_extremities', 'account_data', 'room_aliases', 'receipts',
] as const;

/** Reads across rooms for the server admin API, and purges a room's data. */
export class RoomAdminStore {
  constructor(private readonly db: Db) {}

  /** The number of room events stored, all rooms together. */
  async countEvents(): Promise<number> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  /** Returns one page of rooms by creation time, and the number of rooms. */
  async listRooms(query: RoomListQuery): Promise<{ rooms: RoomSummary[]; total: number }> {
    const counted = await this.db.selectFrom('rooms').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirst();
    const direction = query.newestFirst ? 'desc' : 'asc';
    const rows = await this.db.selectFrom('rooms').select('room_id')
      .orderBy('created_ts', direction).orderBy('room_id', direction)
      .limit(query.limit).offset(query.offset).execute();
    const rooms: RoomSummary[] = [];
    for (const row of rows) {
      const summary = await this.getRoom(row.room_id);
      if (summary) rooms.push(summary);
    }
    return { rooms, total: Number(counted?.count ?? 0) };
  }

  /** Returns the room's summary, or undefined when the room is not known here. */
  async getRoom(roomId: string): Promise<RoomSummary | undefined> {
    const room = await this.db.selectFrom('rooms').selectAll().where('room_id', '=', roomId).executeTakeFirst();
    if (!room) return undefined;
    const joined = await this.db.selectFrom('room_memberships').select((eb) => eb.fn.countAll<number>().as('count'))
      .where('room_id', '=', roomId).where('membership', '=', 'join').executeTakeFirst();
    const stateCount = await this.db.selectFrom('current_state').select((eb) => eb.fn.countAll<number>().as('count'))
      .where('room_id', '=', roomId).executeTakeFirst();
    return {
      roomId,
      roomVersion: room.room_version,
      creator: room.creator,
      isPublic: room.is_public === 1,
      createdTs: Number(room.created_ts),
      joinedMembers: Number(joined?.count ?? 0),
      stateEvents: Number(stateCount?.count ?? 0),
      state: await this.readSummaryState(roomId),
    };
  }

  /**
   * Deletes the room and everything stored under its id in one transaction. Returns false when
   * the room was not known.
   */
  async purgeRoom(roomId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // The room lock of event writers, so a send in another process cannot interleave with the purge.
      await dialectOf(this.db).lockRoom(trx, roomId);
      const room = await trx.selectFrom('rooms').select('room_id').where('room_id', '=', roomId).executeTakeFirst();
      if (!room) return false;
      const roomEvents = trx.selectFrom('events').select('event_id').where('room_id', '=', roomId);
      await trx.deleteFrom('event_transactions').where('event_id', 'in', roomEvents).execute();
      for (const table of ROOM_TABLES) {
        await trx.deleteFrom(table).where('room_id', '=', roomId).execute();
      }
      // NOTE: tables added after these (end-to-end keys, media, relations) keep rows that name
      // the room; they hold no event content of it.
      await trx.deleteFrom('events').where('room_id', '=', roomId).execute();
      await trx.deleteFrom('rooms').where('room_id', '=', roomId).execute();
      return true;
    });
  }

  private async readSummaryState(roomId: string): Promise<Record<string, Record<string, unknown>>> {
    const rows = await this.db.selectFrom('current_state')
      .innerJoin('events', 'events.event_id', 'current_state.event_id')
      .select(['current_state.type', 'events.event_json'])
      .where('current_state.room_id', '=', roomId)
      .where('current_state.state_key', '=', '')
      .where('current_state.type', 'in', SUMMARY_STATE_TYPES)
      .execute();
    const state: Record<string, Record<string, unknown>> = {};
    for (const row of rows) {
      const event = JSON.parse(row.event_json) as { content?: Record<string, unknown> };
      state[row.type] = event.content ?? {};
    }
    return state;
  }
}
