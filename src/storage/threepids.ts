import type { Db } from './database.js';

/** A third-party id bound to an account, in the shape `GET /account/3pid` lists. */
export interface Threepid {
  medium: string;
  address: string;
  validatedAt: number;
  addedAt: number;
}

/** The third-party ids (email addresses) bound to accounts. */
export class ThreepidStore {
  constructor(private readonly db: Db) {}

  /** Lists the user's third-party ids, ordered by medium and address. */
  async list(userId: string): Promise<Threepid[]> {
    const rows = await this.db.selectFrom('user_threepids').selectAll()
      .where('user_id', '=', userId).orderBy('medium').orderBy('address').execute();
    return rows.map((row) => ({
      medium: row.medium,
      address: row.address,
      validatedAt: Number(row.validated_ts),
      addedAt: Number(row.added_ts),
    }));
  }

  /** Deletes every third-party id of the user, and returns how many there were. */
  async deleteAllForUser(userId: string): Promise<number> {
    const result = await this.db.deleteFrom('user_threepids').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Makes `address` the only id of the medium that `source` set for the user, in one transaction;
   * undefined removes that source's id. Ids set by other sources stay. Returns whether anything
   * changed.
   */
  async replaceFromSource(userId: string, medium: string, source: string, address: string | undefined, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('user_threepids').select('address')
        .where('user_id', '=', userId).where('medium', '=', medium).where('source', '=', source).execute();
      if (current.length === (address === undefined ? 0 : 1) && current.every((row) => row.address === address)) return false;

      await trx.deleteFrom('user_threepids')
        .where('user_id', '=', userId).where('medium', '=', medium).where('source', '=', source).execute();
      if (address !== undefined) {
        await trx.insertInto('user_threepids')
          .values({ user_id: userId, medium, address, source, validated_ts: now, added_ts: now })
          .onConflict((oc) => oc.columns(['user_id', 'medium', 'address']).doUpdateSet({ source, validated_ts: now }))
          .execute();
      }
      return true;
    });
  }
}
