import type { Db } from './database.js';
import { withE2eeTables, type E2eeDb } from './e2ee-schema.js';

export interface BackupVersion {
  version: number;
  algorithm: string;
  authData: Record<string, unknown>;
  etag: number;
  count: number;
}

export interface BackedUpKey {
  roomId: string;
  sessionId: string;
  firstMessageIndex: number;
  forwardedCount: number;
  isVerified: boolean;
  sessionData: Record<string, unknown>;
}

/** Which keys a read or delete covers: all, one room's, or one session's. */
export interface KeySelector {
  roomId?: string;
  sessionId?: string;
}

/**
 * Server-side key backups: versions with their `auth_data`, and the encrypted session keys of
 * each version. A deleted version keeps its number so it is never reused. Fails only with
 * database errors.
 */
export class KeyBackupStore {
  private readonly db: E2eeDb;

  constructor(db: Db) {
    this.db = withE2eeTables(db);
  }

  /** Creates a version numbered one past every earlier version of the user, and returns it. */
  async createVersion(userId: string, algorithm: string, authData: Record<string, unknown>): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('e2e_room_key_backup_versions').select((eb) => eb.fn.max('version').as('latest'))
        .where('user_id', '=', userId).executeTakeFirst();
      const version = Number(row?.latest ?? 0) + 1;
      await trx.insertInto('e2e_room_key_backup_versions')
        .values({ user_id: userId, version, algorithm, auth_data_json: JSON.stringify(authData), etag: 0, deleted: 0 })
        .execute();
      return version;
    });
  }

  /** The given version, or the newest one when `version` is undefined; deleted versions are not returned. */
  async getVersion(userId: string, version?: number): Promise<BackupVersion | undefined> {
    let query = this.db.selectFrom('e2e_room_key_backup_versions').selectAll()
      .where('user_id', '=', userId).where('deleted', '=', 0);
    query = version === undefined ? query.orderBy('version', 'desc').limit(1) : query.where('version', '=', version);
    const row = await query.executeTakeFirst();
    if (!row) return undefined;
    return {
      version: Number(row.version), algorithm: row.algorithm, authData: JSON.parse(row.auth_data_json) as Record<string, unknown>,
      etag: Number(row.etag), count: await this.countKeys(userId, Number(row.version)),
    };
  }

  /** Replaces the version's `auth_data`; returns false when the version does not exist. */
  async updateAuthData(userId: string, version: number, authData: Record<string, unknown>): Promise<boolean> {
    const result = await this.db.updateTable('e2e_room_key_backup_versions').set({ auth_data_json: JSON.stringify(authData) })
      .where('user_id', '=', userId).where('version', '=', version).where('deleted', '=', 0).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Marks the version deleted and drops its keys; returns false when it never existed. */
  async deleteVersion(userId: string, version: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.updateTable('e2e_room_key_backup_versions').set({ deleted: 1 })
        .where('user_id', '=', userId).where('version', '=', version).executeTakeFirst();
      await trx.deleteFrom('e2e_room_key_backup_keys').where('user_id', '=', userId).where('version', '=', version).execute();
      return Number(result.numUpdatedRows) === 1;
    });
  }

  async getKeys(userId: string, version: number, selector: KeySelector): Promise<BackedUpKey[]> {
    let query = this.db.selectFrom('e2e_room_key_backup_keys').selectAll().where('user_id', '=', userId).where('version', '=', version);
    if (selector.roomId !== undefined) query = query.where('room_id', '=', selector.roomId);
    if (selector.sessionId !== undefined) query = query.where('session_id', '=', selector.sessionId);
    const rows = await query.orderBy('room_id').orderBy('session_id').execute();
    return rows.map((row) => ({
      roomId: row.room_id, sessionId: row.session_id, firstMessageIndex: Number(row.first_message_index),
      forwardedCount: Number(row.forwarded_count), isVerified: row.is_verified === 1,
      sessionData: JSON.parse(row.session_data_json) as Record<string, unknown>,
    }));
  }

  /**
   * Stores each key unless the backup already holds a better one for its session (see
   * `keepExisting`), and bumps the version's etag when anything changed. Returns the new etag.
   */
  async putKeys(userId: string, version: number, keys: readonly BackedUpKey[], keepExisting: (existing: BackedUpKey, incoming: BackedUpKey) => boolean): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      let changed = false;
      for (const key of keys) {
        const row = await trx.selectFrom('e2e_room_key_backup_keys').selectAll()
          .where('user_id', '=', userId).where('version', '=', version).where('room_id', '=', key.roomId).where('session_id', '=', key.sessionId)
          .executeTakeFirst();
        if (row && keepExisting(toBackedUpKey(row), key)) continue;
        const values = {
          first_message_index: key.firstMessageIndex, forwarded_count: key.forwardedCount, is_verified: key.isVerified ? 1 : 0,
          session_data_json: JSON.stringify(key.sessionData),
        };
        await trx.insertInto('e2e_room_key_backup_keys')
          .values({ user_id: userId, version, room_id: key.roomId, session_id: key.sessionId, ...values })
          .onConflict((oc) => oc.columns(['user_id', 'version', 'room_id', 'session_id']).doUpdateSet(values))
          .execute();
        changed = true;
      }
      return bumpEtag(trx, userId, version, changed);
    });
  }

  /** Deletes the selected keys and bumps the etag when any were deleted. Returns the new etag. */
  async deleteKeys(userId: string, version: number, selector: KeySelector): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      let query = trx.deleteFrom('e2e_room_key_backup_keys').where('user_id', '=', userId).where('version', '=', version);
      if (selector.roomId !== undefined) query = query.where('room_id', '=', selector.roomId);
      if (selector.sessionId !== undefined) query = query.where('session_id', '=', selector.sessionId);
      const result = await query.executeTakeFirst();
      return bumpEtag(trx, userId, version, Number(result.numDeletedRows) > 0);
    });
  }

  async countKeys(userId: string, version: number): Promise<number> {
    const row = await this.db.selectFrom('e2e_room_key_backup_keys').select((eb) => eb.fn.countAll<number>().as('count'))
      .where('user_id', '=', userId).where('version', '=', version).executeTakeFirst();
    return Number(row?.count ?? 0);
  }
}

type E2eeTransaction = Parameters<Parameters<ReturnType<E2eeDb['transaction']>['execute']>[0]>[0];

async function bumpEtag(trx: E2eeTransaction, userId: string, version: number, changed: boolean): Promise<number> {
  if (changed) {
    await trx.updateTable('e2e_room_key_backup_versions').set((eb) => ({ etag: eb('etag', '+', 1) }))
      .where('user_id', '=', userId).where('version', '=', version).execute();
  }
  const row = await trx.selectFrom('e2e_room_key_backup_versions').select('etag')
    .where('user_id', '=', userId).where('version', '=', version).executeTakeFirstOrThrow();
  return Number(row.etag);
}

function toBackedUpKey(row: { room_id: string; session_id: string; first_message_index: number; forwarded_count: number; is_verified: number; session_data_json: string }): BackedUpKey {
  return {
    roomId: row.room_id, sessionId: row.session_id, firstMessageIndex: Number(row.first_message_index),
    forwardedCount: Number(row.forwarded_count), isVerified: row.is_verified === 1,
    sessionData: JSON.parse(row.session_data_json) as Record<string, unknown>,
  };
}
