import type { Transaction } from 'kysely';
import type { Db } from './database.js';
import { withE2eeTables, type E2eeDb } from './e2ee-schema.js';
import type { DatabaseSchema } from './schema.js';
import { allocateStreamPosition } from './stream.js';

/** A membership change of `userId` in a room, as stored in the room's `m.room.member` events. */
export interface MembershipChange {
  roomId: string;
  userId: string;
  membership: string;
}

/**
 * Where each user's device list last changed in the one stream, and the room-sharing queries
 * that decide who is told. Every method fails only with a database error, which it lets through.
 */
export class DeviceListStore {
  private readonly db: E2eeDb;

  constructor(db: Db) {
    this.db = withE2eeTables(db);
  }

  /** Records that the users' device lists changed at a new stream position, and returns it. */
  async markChanged(userIds: readonly string[]): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const position = await allocateStreamPosition(trx as unknown as Transaction<DatabaseSchema>);
      for (const userId of new Set(userIds)) {
        await trx.insertInto('e2e_device_list_changes').values({ user_id: userId, stream_position: position })
          .onConflict((oc) => oc.column('user_id').doUpdateSet({ stream_position: position }))
          .execute();
      }
      return position;
    });
  }

  /** Users among `userIds` whose device list changed after `since`. */
  async changedSince(userIds: readonly string[], since: number): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db.selectFrom('e2e_device_list_changes').select('user_id')
      .where('user_id', 'in', [...userIds]).where('stream_position', '>', since).execute();
    return rows.map((row) => row.user_id);
  }

  /** Rooms the user has joined. */
  async joinedRooms(userId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('room_memberships').select('room_id')
      .where('user_id', '=', userId).where('membership', '=', 'join').execute();
    return rows.map((row) => row.room_id);
  }

  /** Users joined to or invited into any room the user has joined, the user included. */
  async usersSharingRoomWith(userId: string): Promise<Set<string>> {
    const rows = await this.db.selectFrom('room_memberships as mine')
      .innerJoin('room_memberships as other', 'other.room_id', 'mine.room_id')
      .select('other.user_id').distinct()
      .where('mine.user_id', '=', userId).where('mine.membership', '=', 'join')
      .where('other.membership', 'in', ['join', 'invite'])
      .execute();
    const users = new Set(rows.map((row) => row.user_id));
    users.add(userId);
    return users;
  }

  /** Current members (joined or invited) of the rooms. */
  async membersOf(roomIds: readonly string[]): Promise<Set<string>> {
    if (roomIds.length === 0) return new Set();
    const rows = await this.db.selectFrom('room_memberships').select('user_id').distinct()
      .where('room_id', 'in', [...roomIds]).where('membership', 'in', ['join', 'invite']).execute();
    return new Set(rows.map((row) => row.user_id));
  }

  /**
   * Membership changes in (`since`, `upTo`] in rooms the user is in now or whose membership of
   * the user changed in that range, oldest first.
   */
  async membershipChangesSince(userId: string, since: number, upTo: number): Promise<MembershipChange[]> {
    const rooms = await this.db.selectFrom('room_memberships').select('room_id')
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('membership', '=', 'join'), eb('stream_ordering', '>', since)]))
      .execute();
    if (rooms.length === 0) return [];
    const rows = await this.db.selectFrom('events').select(['room_id', 'state_key', 'event_json'])
      .where('type', '=', 'm.room.member').where('room_id', 'in', rooms.map((row) => row.room_id))
      .where('stream_ordering', '>', since).where('stream_ordering', '<=', upTo)
      .orderBy('stream_ordering').execute();
    return rows.map((row) => ({ roomId: row.room_id, userId: row.state_key ?? '', membership: membershipOf(row.event_json) }));
  }
}

function membershipOf(eventJson: string): string {
  const content = (JSON.parse(eventJson) as { content?: { membership?: unknown } }).content;
  return typeof content?.membership === 'string' ? content.membership : 'leave';
}
