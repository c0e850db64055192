import { MatrixError } from '../core/errors.js';
import { isValidLocalpart, parseUserId } from '../core/identifiers.js';
import { hashPassword } from '../identity/secrets.js';
import type { Logger } from '../logging.js';
import type { DeviceRecord } from '../storage/devices.js';
import type { UserListQuery, UserRecord } from '../storage/users.js';
import type { AdminPolicy } from './admin-policy.js';

/** The user store methods the admin API uses. */
export interface AdminUserStore {
  get(userId: string): Promise<UserRecord | undefined>;
  create(user: { userId: string; localpart: string; passwordHash?: string | null; displayname?: string | null; isAdmin?: boolean }, now: number): Promise<boolean>;
  list(query: UserListQuery): Promise<{ users: UserRecord[]; total: number }>;
  listExternalIds(userId: string): Promise<Array<{ providerId: string; subject: string }>>;
  setAdmin(userId: string, isAdmin: boolean): Promise<void>;
  setDeactivated(userId: string, deactivated: boolean): Promise<boolean>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;
  setDisplayname(userId: string, displayname: string | null): Promise<void>;
  setAvatarUrl(userId: string, avatarUrl: string | null): Promise<void>;
}

export interface UserAdminDeps {
  users: AdminUserStore;
  listDevices(userId: string): Promise<DeviceRecord[]>;
  /** Deletes every device and access token of the user, and drops them from the token cache. */
  logoutAll(userId: string): Promise<void>;
  /** Rooms the user is in with any of the memberships. */
  roomsForUser(userId: string, memberships: readonly string[]): Promise<Array<{ roomId: string }>>;
  leaveRoom(userId: string, roomId: string, reason: string): Promise<void>;
  setDisplayName(userId: string, displayname: string | null): Promise<void>;
  setAvatarUrl(userId: string, avatarUrl: string | null): Promise<void>;
  policy: AdminPolicy;
  serverName: string;
  logger: Logger;
  now?: () => number;
}

/** The fields of `PUT /_synapse/admin/v2/users/{userId}` that Lattice applies. */
export interface UserChanges {
  password?: string;
  logoutDevices?: boolean;
  displayname?: string | null;
  avatarUrl?: string | null;
  admin?: boolean;
  deactivated?: boolean;
}

/** User management behind the Synapse-compatible admin API. */
export class UserAdminService {
  private readonly now: () => number;

  constructor(private readonly deps: UserAdminDeps) {
    this.now = deps.now ?? Date.now;
  }

  list(query: UserListQuery): Promise<{ users: UserRecord[]; total: number }> {
    return this.deps.users.list(query);
  }

  /** Returns the user; throws 404 M_NOT_FOUND for an unknown user. */
  async get(userId: string): Promise<UserRecord> {
    const record = await this.deps.users.get(userId);
    if (!record) throw new MatrixError('M_NOT_FOUND', `User ${userId} not found.`);
    return record;
  }

  externalIds(userId: string): Promise<Array<{ providerId: string; subject: string }>> {
    return this.deps.users.listExternalIds(userId);
  }

  devices(userId: string): Promise<DeviceRecord[]> {
    return this.deps.listDevices(userId);
  }

  /** Returns the ids of the rooms the user is joined to. */
  async joinedRooms(userId: string): Promise<string[]> {
    const rooms = await this.deps.roomsForUser(userId, ['join']);
    return rooms.map((room) => room.roomId);
  }

  /** Creates the user when absent, then applies the changes; returns whether it was created. */
  async createOrModify(userId: string, changes: UserChanges): Promise<boolean> {
    const localpart = this.requireLocalUser(userId);
    let created = false;
    if (!(await this.deps.users.get(userId))) {
      const passwordHash = changes.password === undefined ? null : await hashPassword(changes.password);
      created = await this.deps.users.create(
        { userId, localpart, passwordHash, displayname: changes.displayname ?? localpart, isAdmin: changes.admin ?? false },
        this.now(),
      );
      this.deps.logger.info({ userId, isAdmin: changes.admin ?? false }, 'user created through the admin API');
    }
    await this.apply(userId, changes, created);
    return created;
  }

  /**
   * Deactivates the user: marks the account, deletes every device and access token, leaves and
   * rejects every room, and clears the profile. Deactivating twice is harmless.
   */
  async deactivate(userId: string): Promise<void> {
    this.requireLocalUser(userId);
    await this.get(userId);
    await this.deps.users.setDeactivated(userId, true);
    await this.deps.logoutAll(userId);
    await this.leaveAllRooms(userId);
    // Cleared in storage only: the leave events above already ended the member events.
    await this.deps.users.setDisplayname(userId, null);
    await this.deps.users.setAvatarUrl(userId, null);
    this.deps.logger.info({ userId }, 'user deactivated');
  }

  private async apply(userId: string, changes: UserChanges, created: boolean): Promise<void> {
    if (changes.deactivated === true) {
      await this.deactivate(userId);
      return;
    }
    if (changes.deactivated === false) await this.deps.users.setDeactivated(userId, false);
    if (changes.password !== undefined && !created) {
      await this.deps.users.setPasswordHash(userId, await hashPassword(changes.password));
      // Synapse's default: a new password signs out every device unless logout_devices is false.
      if (changes.logoutDevices !== false) await this.deps.logoutAll(userId);
    }
    if (changes.admin !== undefined) await this.setAdmin(userId, changes.admin);
    if (changes.displayname !== undefined && !created) await this.deps.setDisplayName(userId, changes.displayname);
    if (changes.avatarUrl !== undefined) await this.deps.setAvatarUrl(userId, changes.avatarUrl);
  }

  private async setAdmin(userId: string, admin: boolean): Promise<void> {
    if (!admin && this.deps.policy.isConfigAdmin(userId)) {
      throw new MatrixError('M_INVALID_PARAM', `${userId} is an admin through the config's "admins" list; remove it there and restart.`);
    }
    await this.deps.users.setAdmin(userId, admin);
  }

  private async leaveAllRooms(userId: string): Promise<void> {
    const rooms = await this.deps.roomsForUser(userId, ['join', 'invite', 'knock']);
    for (const { roomId } of rooms) {
      try {
        await this.deps.leaveRoom(userId, roomId, 'Account deactivated');
      } catch (error) {
        this.deps.logger.warn({ err: error, userId, roomId }, 'could not leave a room while deactivating the user');
      }
    }
  }

  /** Returns the localpart; throws 400 for a malformed id or a user of another server. */
  private requireLocalUser(userId: string): string {
    const parsed = parseUserId(userId);
    if (!parsed || !isValidLocalpart(parsed.localpart)) {
      throw new MatrixError('M_INVALID_PARAM', `"${userId}" is not a valid user id; use the form @name:${this.deps.serverName}.`);
    }
    if (parsed.serverName !== this.deps.serverName) {
      throw new MatrixError('M_INVALID_PARAM', `Only users of this server (:${this.deps.serverName}) can be managed here.`);
    }
    return parsed.localpart;
  }
}
