import type { Db } from './database.js';
import type { PushersTable } from './schema.js';

/** A pusher as `GET /pushers` lists it, plus the fields delivery needs. */
export interface Pusher {
  userId: string;
  appId: string;
  pushkey: string;
  kind: string;
  appDisplayName: string;
  deviceDisplayName: string;
  profileTag: string | null;
  lang: string;
  /** The client's `data` object, `url` included. */
  data: Record<string, unknown>;
  deviceId: string;
  /** When the pushkey was last set, in milliseconds. */
  pushkeyTs: number;
}

/** The pushers of each user, keyed by (user, app_id, pushkey). Device deletion removes rows too (DeviceStore). */
export class PusherStore {
  constructor(private readonly db: Db) {}

  /**
   * Creates the pusher or replaces the one with the same user, app_id and pushkey. Unless
   * `append` is set, pushers of other users with the same app_id and pushkey are deleted in the
   * same transaction, as the spec requires.
   */
  async upsert(pusher: Pusher, append: boolean): Promise<void> {
    const row = toRow(pusher);
    await this.db.transaction().execute(async (trx) => {
      if (!append) {
        await trx.deleteFrom('pushers')
          .where('app_id', '=', pusher.appId).where('pushkey', '=', pusher.pushkey).where('user_id', '!=', pusher.userId)
          .execute();
      }
      const { user_id: _user, app_id: _app, pushkey: _key, ...changes } = row;
      await trx.insertInto('pushers').values(row)
        .onConflict((oc) => oc.columns(['user_id', 'app_id', 'pushkey']).doUpdateSet(changes))
        .execute();
    });
  }

  /** Deletes one pusher of the user; returns whether it existed. */
  async delete(userId: string, appId: string, pushkey: string): Promise<boolean> {
    const result = await this.db.deleteFrom('pushers')
      .where('user_id', '=', userId).where('app_id', '=', appId).where('pushkey', '=', pushkey)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Lists the user's pushers, ordered by app_id and pushkey. */
  async listForUser(userId: string): Promise<Pusher[]> {
    const rows = await this.db.selectFrom('pushers').selectAll()
      .where('user_id', '=', userId).orderBy('app_id').orderBy('pushkey').execute();
    return rows.map(toPusher);
  }

  /**
   * Lists the pushers of the room's joined members, ordered by user, app_id and pushkey. A
   * subquery selects the members, so a room of any size costs one query with one parameter.
   */
  async listForJoinedMembers(roomId: string): Promise<Pusher[]> {
    const rows = await this.db.selectFrom('pushers').selectAll()
      .where('user_id', 'in', (eb) => eb.selectFrom('room_memberships').select('user_id')
        .where('room_id', '=', roomId).where('membership', '=', 'join'))
      .orderBy('user_id').orderBy('app_id').orderBy('pushkey')
      .execute();
    return rows.map(toPusher);
  }

  /** Returns the pusher, or undefined when it was deleted. */
  async get(userId: string, appId: string, pushkey: string): Promise<Pusher | undefined> {
    const row = await this.db.selectFrom('pushers').selectAll()
      .where('user_id', '=', userId).where('app_id', '=', appId).where('pushkey', '=', pushkey)
      .executeTakeFirst();
    return row && toPusher(row);
  }
}

function toRow(pusher: Pusher): PushersTable {
  return {
    user_id: pusher.userId,
    app_id: pusher.appId,
    pushkey: pusher.pushkey,
    kind: pusher.kind,
    app_display_name: pusher.appDisplayName,
    device_display_name: pusher.deviceDisplayName,
    profile_tag: pusher.profileTag,
    lang: pusher.lang,
    data_json: JSON.stringify(pusher.data),
    device_id: pusher.deviceId,
    pushkey_ts: pusher.pushkeyTs,
  };
}

function toPusher(row: PushersTable): Pusher {
  return {
    userId: row.user_id,
    appId: row.app_id,
    pushkey: row.pushkey,
    kind: row.kind,
    appDisplayName: row.app_display_name,
    deviceDisplayName: row.device_display_name,
    profileTag: row.profile_tag,
    lang: row.lang,
    data: JSON.parse(row.data_json) as Record<string, unknown>,
    deviceId: row.device_id,
    pushkeyTs: Number(row.pushkey_ts),
  };
}
