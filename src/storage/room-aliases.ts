import type { Db } from './database.js';

/** Room aliases of this server, mapped to room ids. */
export class RoomAliasStore {
  constructor(private readonly db: Db) {}

  /** Returns false, writing nothing, when the alias already exists. */
  async create(alias: string, roomId: string, creator: string, now: number): Promise<boolean> {
    const result = await this.db.insertInto('room_aliases')
      .values({ alias, room_id: roomId, creator, created_ts: now })
      .onConflict((oc) => oc.column('alias').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async resolve(alias: string): Promise<{ roomId: string; creator: string } | undefined> {
    const row = await this.db.selectFrom('room_aliases').select(['room_id', 'creator']).where('alias', '=', alias).executeTakeFirst();
    return row && { roomId: row.room_id, creator: row.creator };
  }

  async delete(alias: string): Promise<boolean> {
    const result = await this.db.deleteFrom('room_aliases').where('alias', '=', alias).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async listForRoom(roomId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('room_aliases').select('alias').where('room_id', '=', roomId).orderBy('alias').execute();
    return rows.map((row) => row.alias);
  }
}
