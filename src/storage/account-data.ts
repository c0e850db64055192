import type { Db } from './database.js';
import { allocateStreamPosition } from './stream.js';

export interface AccountDataEntry {
  /** Empty string for global account data. */
  roomId: string;
  type: string;
  content: Record<string, unknown>;
  streamPosition: number;
}

/** Global and per-room account data, and the client filters uploaded through /filter. */
export class AccountDataStore {
  constructor(private readonly db: Db) {}

  /** Stores the content and returns the stream position of the change. */
  async set(userId: string, roomId: string, type: string, content: Record<string, unknown>): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const position = await allocateStreamPosition(trx);
      const contentJson = JSON.stringify(content);
      await trx.insertInto('account_data')
        .values({ user_id: userId, room_id: roomId, type, content_json: contentJson, stream_position: position })
        .onConflict((oc) => oc.columns(['user_id', 'room_id', 'type']).doUpdateSet({ content_json: contentJson, stream_position: position }))
        .execute();
      return position;
    });
  }

  async get(userId: string, roomId: string, type: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.db.selectFrom('account_data').select('content_json')
      .where('user_id', '=', userId).where('room_id', '=', roomId).where('type', '=', type)
      .executeTakeFirst();
    return row && (JSON.parse(row.content_json) as Record<string, unknown>);
  }

  /** Deletes every global and per-room entry of the user, and returns how many there were. */
  async deleteAllForUser(userId: string): Promise<number> {
    const result = await this.db.deleteFrom('account_data').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Entries changed after `since` (all of them when `since` is 0), in stream order. */
  async changedSince(userId: string, since: number): Promise<AccountDataEntry[]> {
    const rows = await this.db.selectFrom('account_data').selectAll()
      .where('user_id', '=', userId).where('stream_position', '>', since)
      .orderBy('stream_position')
      .execute();
    return rows.map((row) => ({
      roomId: row.room_id,
      type: row.type,
      content: JSON.parse(row.content_json) as Record<string, unknown>,
      streamPosition: Number(row.stream_position),
    }));
  }

  /** Stores a filter and returns its id, a small integer unique per user. */
  async createFilter(userId: string, filter: object): Promise<string> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('filters').select((eb) => eb.fn.max('filter_id').as('max_id'))
        .where('user_id', '=', userId).executeTakeFirst();
      const filterId = Number(row?.max_id ?? -1) + 1;
      await trx.insertInto('filters').values({ user_id: userId, filter_id: filterId, filter_json: JSON.stringify(filter) }).execute();
      return String(filterId);
    });
  }

  async getFilter(userId: string, filterId: string): Promise<Record<string, unknown> | undefined> {
    if (!/^\d{1,9}$/.test(filterId)) return undefined;
    const row = await this.db.selectFrom('filters').select('filter_json')
      .where('user_id', '=', userId).where('filter_id', '=', Number(filterId)).executeTakeFirst();
    return row && (JSON.parse(row.filter_json) as Record<string, unknown>);
  }
}
