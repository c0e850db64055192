import type { Db } from './database.js';
import { withE2eeTables, type E2eeDb } from './e2ee-schema.js';

export type JsonObject = Record<string, unknown>;

export interface OneTimeKeyInput {
  algorithm: string;
  keyId: string;
  key: unknown;
}

export type CrossSigningKeyType = 'master' | 'self_signing' | 'user_signing';

export interface StoredCrossSigningKey {
  type: CrossSigningKeyType;
  publicKey: string;
  key: JsonObject;
}

export interface KeySignature {
  signerUserId: string;
  signerKeyId: string;
  targetUserId: string;
  targetKeyId: string;
  signature: string;
}

/** The outcome of storing one-time keys: keys whose id was taken by different key material. */
export interface OneTimeKeyConflict {
  keyId: string;
  algorithm: string;
}

/**
 * Device identity keys, one-time and fallback keys, cross-signing keys and the signatures made
 * over them. Every method fails only with a database error, which it lets through.
 */
export class E2eeKeyStore {
  private readonly db: E2eeDb;

  constructor(db: Db, private readonly now: () => number = Date.now) {
    this.db = withE2eeTables(db);
  }

  /** Stores or replaces the device's identity keys. */
  async setDeviceKeys(userId: string, deviceId: string, keys: JsonObject): Promise<void> {
    const json = JSON.stringify(keys);
    await this.db.insertInto('e2e_device_keys')
      .values({ user_id: userId, device_id: deviceId, key_json: json, updated_ts: this.now() })
      .onConflict((oc) => oc.columns(['user_id', 'device_id']).doUpdateSet({ key_json: json, updated_ts: this.now() }))
      .execute();
  }

  async getDeviceKeys(userId: string, deviceId: string): Promise<JsonObject | undefined> {
    const row = await this.db.selectFrom('e2e_device_keys').select('key_json')
      .where('user_id', '=', userId).where('device_id', '=', deviceId).executeTakeFirst();
    return row && (JSON.parse(row.key_json) as JsonObject);
  }

  /**
   * Device keys of the users' devices that still exist, with each device's display name. An
   * empty device list for a user means all of that user's devices.
   */
  async queryDeviceKeys(request: ReadonlyMap<string, readonly string[]>): Promise<Array<{ userId: string; deviceId: string; keys: JsonObject; displayName: string | null }>> {
    const results = [];
    for (const [userId, deviceIds] of request) {
      let query = this.db.selectFrom('e2e_device_keys as k')
        .innerJoin('devices as d', (join) => join.onRef('d.user_id', '=', 'k.user_id').onRef('d.device_id', '=', 'k.device_id'))
        .select(['k.user_id', 'k.device_id', 'k.key_json', 'd.display_name'])
        .where('k.user_id', '=', userId);
      if (deviceIds.length > 0) query = query.where('k.device_id', 'in', [...deviceIds]);
      for (const row of await query.orderBy('k.device_id').execute()) {
        results.push({ userId: row.user_id, deviceId: row.device_id, keys: JSON.parse(row.key_json) as JsonObject, displayName: row.display_name });
      }
    }
    return results;
  }

  /**
   * Adds one-time keys. A key id already held with the same key is skipped; one held with a
   * different key is returned as a conflict and nothing is stored.
   */
  async addOneTimeKeys(userId: string, deviceId: string, keys: readonly OneTimeKeyInput[]): Promise<OneTimeKeyConflict[]> {
    if (keys.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('e2e_one_time_keys').select(['algorithm', 'key_id', 'key_json'])
        .where('user_id', '=', userId).where('device_id', '=', deviceId)
        .where('key_id', 'in', keys.map((key) => key.keyId)).execute();
      const held = new Map(existing.map((row) => [`${row.algorithm}:${row.key_id}`, row.key_json]));
      const conflicts: OneTimeKeyConflict[] = [];
      const fresh = keys.filter((key) => {
        const stored = held.get(`${key.algorithm}:${key.keyId}`);
        if (stored !== undefined && stored !== JSON.stringify(key.key)) conflicts.push({ algorithm: key.algorithm, keyId: key.keyId });
        return stored === undefined;
      });
      if (conflicts.length > 0 || fresh.length === 0) return conflicts;
      const uploadedTs = this.now();
      await trx.insertInto('e2e_one_time_keys').values(fresh.map((key) => ({
        user_id: userId, device_id: deviceId, algorithm: key.algorithm, key_id: key.keyId, key_json: JSON.stringify(key.key), uploaded_ts: uploadedTs,
      }))).execute();
      return [];
    });
  }

  /** Unclaimed one-time keys of the device, counted per algorithm. */
  async countOneTimeKeys(userId: string, deviceId: string): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('e2e_one_time_keys')
      .select((eb) => ['algorithm', eb.fn.countAll<number>().as('count')])
      .where('user_id', '=', userId).where('device_id', '=', deviceId)
      .groupBy('algorithm').execute();
    return Object.fromEntries(rows.map((row) => [row.algorithm, Number(row.count)]));
  }

  /**
   * Removes and returns the device's oldest one-time key of the algorithm, if it has one. A key
   * that a concurrent claim deleted first is skipped, so no key is ever handed out twice.
   */
  async claimOneTimeKey(userId: string, deviceId: string, algorithm: string): Promise<{ keyId: string; key: unknown } | undefined> {
    for (;;) {
      const row = await this.db.selectFrom('e2e_one_time_keys').select('key_id')
        .where('user_id', '=', userId).where('device_id', '=', deviceId).where('algorithm', '=', algorithm)
        .orderBy('uploaded_ts').orderBy('key_id').limit(1).executeTakeFirst();
      if (!row) return undefined;
      const deleted = await this.db.deleteFrom('e2e_one_time_keys')
        .where('user_id', '=', userId).where('device_id', '=', deviceId).where('algorithm', '=', algorithm).where('key_id', '=', row.key_id)
        .returning('key_json').executeTakeFirst();
      if (deleted) return { keyId: row.key_id, key: JSON.parse(deleted.key_json) as unknown };
    }
  }

  /** Stores the device's fallback key for the algorithm, replacing any earlier one, as unused. */
  async setFallbackKey(userId: string, deviceId: string, key: OneTimeKeyInput): Promise<void> {
    const json = JSON.stringify(key.key);
    await this.db.insertInto('e2e_fallback_keys')
      .values({ user_id: userId, device_id: deviceId, algorithm: key.algorithm, key_id: key.keyId, key_json: json, used: 0 })
      .onConflict((oc) => oc.columns(['user_id', 'device_id', 'algorithm']).doUpdateSet({ key_id: key.keyId, key_json: json, used: 0 }))
      .execute();
  }

  /** Returns the device's fallback key for the algorithm and marks it used; the key itself stays. */
  async claimFallbackKey(userId: string, deviceId: string, algorithm: string): Promise<{ keyId: string; key: unknown } | undefined> {
    const row = await this.db.updateTable('e2e_fallback_keys').set({ used: 1 })
      .where('user_id', '=', userId).where('device_id', '=', deviceId).where('algorithm', '=', algorithm)
      .returning(['key_id', 'key_json']).executeTakeFirst();
    return row && { keyId: row.key_id, key: JSON.parse(row.key_json) as unknown };
  }

  /** Algorithms for which the device has a fallback key that no claim has handed out yet. */
  async unusedFallbackKeyAlgorithms(userId: string, deviceId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('e2e_fallback_keys').select('algorithm')
      .where('user_id', '=', userId).where('device_id', '=', deviceId).where('used', '=', 0)
      .orderBy('algorithm').execute();
    return rows.map((row) => row.algorithm);
  }

  async getCrossSigningKeys(userId: string): Promise<StoredCrossSigningKey[]> {
    const rows = await this.db.selectFrom('e2e_cross_signing_keys').select(['key_type', 'public_key', 'key_json'])
      .where('user_id', '=', userId).execute();
    return rows.map((row) => ({ type: row.key_type as CrossSigningKeyType, publicKey: row.public_key, key: JSON.parse(row.key_json) as JsonObject }));
  }

  /** Stores the given cross-signing keys in one transaction, replacing keys of the same type. */
  async setCrossSigningKeys(userId: string, keys: readonly StoredCrossSigningKey[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const key of keys) {
        const json = JSON.stringify(key.key);
        await trx.insertInto('e2e_cross_signing_keys')
          .values({ user_id: userId, key_type: key.type, public_key: key.publicKey, key_json: json, updated_ts: this.now() })
          .onConflict((oc) => oc.columns(['user_id', 'key_type']).doUpdateSet({ public_key: key.publicKey, key_json: json, updated_ts: this.now() }))
          .execute();
      }
    });
  }

  /** Stores signatures, replacing an earlier one by the same signer key over the same target. */
  async addSignatures(signatures: readonly KeySignature[]): Promise<void> {
    if (signatures.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const s of signatures) {
        await trx.insertInto('e2e_key_signatures')
          .values({ signer_user_id: s.signerUserId, signer_key_id: s.signerKeyId, target_user_id: s.targetUserId, target_key_id: s.targetKeyId, signature: s.signature })
          .onConflict((oc) => oc.columns(['target_user_id', 'target_key_id', 'signer_user_id', 'signer_key_id']).doUpdateSet({ signature: s.signature }))
          .execute();
      }
    });
  }

  /** Signatures over the user's devices and keys, made by the user or by one of `viewers`. */
  async getSignatures(targetUserId: string, signers: readonly string[]): Promise<KeySignature[]> {
    const rows = await this.db.selectFrom('e2e_key_signatures').selectAll()
      .where('target_user_id', '=', targetUserId).where('signer_user_id', 'in', [...new Set([targetUserId, ...signers])])
      .execute();
    return rows.map((row) => ({
      signerUserId: row.signer_user_id, signerKeyId: row.signer_key_id, targetUserId: row.target_user_id, targetKeyId: row.target_key_id, signature: row.signature,
    }));
  }

  /** Deletes every key of the device and the signatures over it. */
  async deleteDevice(userId: string, deviceId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('e2e_device_keys').where('user_id', '=', userId).where('device_id', '=', deviceId).execute();
      await trx.deleteFrom('e2e_one_time_keys').where('user_id', '=', userId).where('device_id', '=', deviceId).execute();
      await trx.deleteFrom('e2e_fallback_keys').where('user_id', '=', userId).where('device_id', '=', deviceId).execute();
      await trx.deleteFrom('e2e_key_signatures').where('target_user_id', '=', userId).where('target_key_id', '=', deviceId).execute();
    });
  }
}
