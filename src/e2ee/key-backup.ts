import { MatrixError, notFound } from '../core/errors.js';
import type { BackedUpKey, BackupVersion, KeyBackupStore, KeySelector } from '../storage/e2ee-key-backup.js';
import { e2eeError } from './errors.js';

export interface BackupVersionInfo {
  algorithm: string;
  auth_data: Record<string, unknown>;
  count: number;
  etag: string;
  version: string;
}

export interface KeyBackupData {
  first_message_index: number;
  forwarded_count: number;
  is_verified: boolean;
  session_data: Record<string, unknown>;
}

export type RoomKeysUpload = Record<string, { sessions: Record<string, KeyBackupData> }>;

/** Server-side key backups: /room_keys/version and /room_keys/keys. */
export class KeyBackupService {
  constructor(private readonly store: KeyBackupStore) {}

  async createVersion(userId: string, algorithm: string, authData: Record<string, unknown>): Promise<{ version: string }> {
    return { version: String(await this.store.createVersion(userId, algorithm, authData)) };
  }

  /** The given version, or the current one when `version` is undefined; 404 M_NOT_FOUND when absent. */
  async getVersion(userId: string, version?: string): Promise<BackupVersionInfo> {
    const found = await this.find(userId, version);
    return { algorithm: found.algorithm, auth_data: found.authData, count: found.count, etag: String(found.etag), version: String(found.version) };
  }

  /** Replaces `auth_data`; the algorithm, and the version when given in the body, must match. */
  async updateVersion(userId: string, version: string, body: { algorithm: string; auth_data: Record<string, unknown>; version?: string }): Promise<void> {
    if (body.version !== undefined && body.version !== version) throw new MatrixError('M_INVALID_PARAM', 'The version in the body does not match the version in the path.');
    const found = await this.find(userId, version);
    if (body.algorithm !== found.algorithm) throw new MatrixError('M_INVALID_PARAM', `The algorithm does not match the backup's, ${found.algorithm}.`);
    await this.store.updateAuthData(userId, found.version, body.auth_data);
  }

  /** Deletes the version and its keys; succeeds again for a version deleted before. */
  async deleteVersion(userId: string, version: string): Promise<void> {
    const number = parseVersion(version);
    if (number === undefined || !(await this.store.deleteVersion(userId, number))) throw notFound(`Unknown backup version ${version}.`);
  }

  /** Stores keys in the current version, keeping a better key already held for a session. */
  async putKeys(userId: string, version: string, rooms: RoomKeysUpload): Promise<{ etag: string; count: number }> {
    const current = await this.store.getVersion(userId);
    if (!current) throw notFound('No backup version exists; create one first.');
    if (String(current.version) !== version) {
      throw e2eeError('M_WRONG_ROOM_KEYS_VERSION', 'Wrong backup version.', { status: 403, extra: { current_version: String(current.version) } });
    }
    const keys = Object.entries(rooms).flatMap(([roomId, room]) =>
      Object.entries(room.sessions).map(([sessionId, data]) => fromKeyBackupData(roomId, sessionId, data)));
    const etag = await this.store.putKeys(userId, current.version, keys, keepExisting);
    return { etag: String(etag), count: await this.store.countKeys(userId, current.version) };
  }

  async getKeys(userId: string, version: string, selector: KeySelector): Promise<RoomKeysUpload> {
    const found = await this.find(userId, version);
    const rooms: RoomKeysUpload = {};
    for (const key of await this.store.getKeys(userId, found.version, selector)) {
      (rooms[key.roomId] ??= { sessions: {} }).sessions[key.sessionId] = toKeyBackupData(key);
    }
    return rooms;
  }

  async deleteKeys(userId: string, version: string, selector: KeySelector): Promise<{ etag: string; count: number }> {
    const found = await this.find(userId, version);
    const etag = await this.store.deleteKeys(userId, found.version, selector);
    return { etag: String(etag), count: await this.store.countKeys(userId, found.version) };
  }

  private async find(userId: string, version: string | undefined): Promise<BackupVersion> {
    if (version === undefined) {
      const current = await this.store.getVersion(userId);
      if (!current) throw notFound('No current backup version.');
      return current;
    }
    const number = parseVersion(version);
    const found = number === undefined ? undefined : await this.store.getVersion(userId, number);
    if (!found) throw notFound(`Unknown backup version ${version}.`);
    return found;
  }
}

function parseVersion(version: string): number | undefined {
  return /^[1-9]\d{0,14}$/.test(version) ? Number(version) : undefined;
}

/**
 * The spec's rule for two keys of one session: keep the verified one; then the one with the
 * lower first_message_index; then the one forwarded fewer times.
 */
export function keepExisting(existing: BackedUpKey, incoming: BackedUpKey): boolean {
  if (existing.isVerified !== incoming.isVerified) return existing.isVerified;
  if (existing.firstMessageIndex !== incoming.firstMessageIndex) return existing.firstMessageIndex < incoming.firstMessageIndex;
  return existing.forwardedCount <= incoming.forwardedCount;
}

function fromKeyBackupData(roomId: string, sessionId: string, data: KeyBackupData): BackedUpKey {
  return {
    roomId, sessionId, firstMessageIndex: data.first_message_index, forwardedCount: data.forwarded_count,
    isVerified: data.is_verified, sessionData: data.session_data,
  };
}

function toKeyBackupData(key: BackedUpKey): KeyBackupData {
  return { first_message_index: key.firstMessageIndex, forwarded_count: key.forwardedCount, is_verified: key.isVerified, session_data: key.sessionData };
}
