import type { Db } from './database.js';

export interface DeviceRecord {
  userId: string;
  deviceId: string;
  displayName: string | null;
  lastSeenTs: number | null;
  lastSeenIp: string | null;
}

/** Devices, the access tokens and pushers bound to them, and single-use login tokens. */
export class DeviceStore {
  constructor(private readonly db: Db) {}

  /** Creates the device, or keeps an existing one with the same id and replaces its tokens. */
  async createDeviceWithToken(
    userId: string, deviceId: string, displayName: string | null, tokenHash: string, now: number,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('devices')
        .values({ user_id: userId, device_id: deviceId, display_name: displayName, created_ts: now, last_seen_ts: now, last_seen_ip: null })
        .onConflict((oc) => oc.columns(['user_id', 'device_id']).doUpdateSet({ last_seen_ts: now }))
        .execute();
      await trx.deleteFrom('access_tokens').where('user_id', '=', userId).where('device_id', '=', deviceId).execute();
      await trx.insertInto('access_tokens')
        .values({ token_hash: tokenHash, user_id: userId, device_id: deviceId, created_ts: now })
        .execute();
    });
  }

  async findAccessToken(tokenHash: string): Promise<{ userId: string; deviceId: string } | undefined> {
    const row = await this.db.selectFrom('access_tokens').select(['user_id', 'device_id'])
      .where('token_hash', '=', tokenHash).executeTakeFirst();
    return row && { userId: row.user_id, deviceId: row.device_id };
  }

  /** Deletes the device, its tokens and its pushers; returns the hashes of the tokens that were removed. */
  async deleteDevice(userId: string, deviceId: string): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const tokens = await trx.deleteFrom('access_tokens')
        .where('user_id', '=', userId).where('device_id', '=', deviceId)
        .returning('token_hash').execute();
      await trx.deleteFrom('devices').where('user_id', '=', userId).where('device_id', '=', deviceId).execute();
      // A pusher belongs to the session that set it: after logout its phone must stop ringing.
      await trx.deleteFrom('pushers').where('user_id', '=', userId).where('device_id', '=', deviceId).execute();
      return tokens.map((row) => row.token_hash);
    });
  }

  /** Deletes every device, token and pusher of the user; returns the hashes of the removed tokens. */
  async deleteAllDevices(userId: string): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const tokens = await trx.deleteFrom('access_tokens').where('user_id', '=', userId).returning('token_hash').execute();
      await trx.deleteFrom('devices').where('user_id', '=', userId).execute();
      await trx.deleteFrom('pushers').where('user_id', '=', userId).execute();
      return tokens.map((row) => row.token_hash);
    });
  }

  async getDevice(userId: string, deviceId: string): Promise<DeviceRecord | undefined> {
    const row = await this.db.selectFrom('devices').selectAll()
      .where('user_id', '=', userId).where('device_id', '=', deviceId).executeTakeFirst();
    return row && toDeviceRecord(row);
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    const rows = await this.db.selectFrom('devices').selectAll().where('user_id', '=', userId).orderBy('device_id').execute();
    return rows.map(toDeviceRecord);
  }

  async renameDevice(userId: string, deviceId: string, displayName: string): Promise<boolean> {
    const result = await this.db.updateTable('devices').set({ display_name: displayName })
      .where('user_id', '=', userId).where('device_id', '=', deviceId).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async touchDevice(userId: string, deviceId: string, ip: string, now: number): Promise<void> {
    await this.db.updateTable('devices').set({ last_seen_ts: now, last_seen_ip: ip })
      .where('user_id', '=', userId).where('device_id', '=', deviceId).execute();
  }

  async createLoginToken(tokenHash: string, userId: string, expiresTs: number): Promise<void> {
    await this.db.insertInto('login_tokens').values({ token_hash: tokenHash, user_id: userId, expires_ts: expiresTs }).execute();
  }

  /** Deletes the login token and returns its user when it existed and had not expired. */
  async consumeLoginToken(tokenHash: string, now: number): Promise<string | undefined> {
    const row = await this.db.deleteFrom('login_tokens').where('token_hash', '=', tokenHash)
      .returning(['user_id', 'expires_ts']).executeTakeFirst();
    await this.db.deleteFrom('login_tokens').where('expires_ts', '<', now).execute();
    if (!row || Number(row.expires_ts) < now) return undefined;
    return row.user_id;
  }
}

function toDeviceRecord(row: {
  user_id: string; device_id: string; display_name: string | null; last_seen_ts: number | null; last_seen_ip: string | null;
}): DeviceRecord {
  return {
    userId: row.user_id,
    deviceId: row.device_id,
    displayName: row.display_name,
    lastSeenTs: row.last_seen_ts === null ? null : Number(row.last_seen_ts),
    lastSeenIp: row.last_seen_ip,
  };
}
