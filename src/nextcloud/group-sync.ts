/**
 * Applies a user's Nextcloud groups: the rooms of `group_rooms` and the server-admin flag of
 * `admin_groups`. The groups seen last are stored, so a group the user left is noticed at the next
 * sign-in or directory sync, and its rooms are left.
 */
import type { NextcloudDirectoryConfig } from '../config/schema.js';
import { MatrixError } from '../core/errors.js';
import type { Logger } from '../logging.js';
import type { DirectoryChange } from './changes.js';

/** The room operations that group rooms need; implemented over the room service. */
export interface GroupRoomOps {
  /** Returns the room id of an id or alias, or undefined when the room is unknown here. */
  resolveRoom(roomIdOrAlias: string): Promise<string | undefined>;
  membership(roomId: string, userId: string): Promise<string | undefined>;
  /** The room's creator, who acts as the inviter; undefined for an unknown room. */
  creator(roomId: string): Promise<string | undefined>;
  join(userId: string, roomId: string): Promise<void>;
  invite(sender: string, roomId: string, target: string): Promise<void>;
  leave(userId: string, roomId: string, reason: string): Promise<void>;
}

export interface GroupSyncDeps {
  rooms: GroupRoomOps;
  /** Reads and writes the `group_admin` flag of the user. */
  admins: { isGroupAdmin(userId: string): Promise<boolean>; setGroupAdmin(userId: string, groupAdmin: boolean): Promise<void> };
  logger: Logger;
}

export interface GroupUpdate {
  userId: string;
  providerId: string;
  config: NextcloudDirectoryConfig;
  groups: readonly string[];
  /** The groups stored at the last sign-in or sync; undefined when never read. */
  previous: readonly string[] | undefined;
  /**
   * Puts the user in the rooms of every current group (at sign-in), not only of groups gained
   * since `previous` (directory sync), so that a user who left a group room is not pulled back
   * in every interval.
   */
  allRooms: boolean;
}

/** Returns whether `allowed_groups` lets an account with these groups in; unset lets everyone in. */
export function isAllowedByGroups(config: NextcloudDirectoryConfig, groups: readonly string[]): boolean {
  return config.allowed_groups === undefined || config.allowed_groups.some((group) => groups.includes(group));
}

export class GroupSync {
  constructor(private readonly deps: GroupSyncDeps) {}

  /** Applies rooms and the admin flag; returns what changed. Room failures are logged and skipped. */
  async apply(update: GroupUpdate): Promise<DirectoryChange[]> {
    const changes = await this.applyAdmin(update);
    const wanted = roomsOf(update.config, update.groups);
    const gained = update.allRooms || update.previous === undefined
      ? wanted
      : roomsOf(update.config, update.groups.filter((group) => !update.previous?.includes(group)));
    const lost = roomsOf(update.config, (update.previous ?? []).filter((group) => !update.groups.includes(group)))
      .filter((room) => !wanted.includes(room));

    for (const room of gained) changes.push(...(await this.enter(update, room)));
    for (const room of lost) changes.push(...(await this.exit(update, room)));
    return changes;
  }

  private async applyAdmin(update: GroupUpdate): Promise<DirectoryChange[]> {
    const admin = update.config.admin_groups.some((group) => update.groups.includes(group));
    if ((await this.deps.admins.isGroupAdmin(update.userId)) === admin) return [];
    await this.deps.admins.setGroupAdmin(update.userId, admin);
    this.deps.logger.info({ userId: update.userId, provider: update.providerId, admin }, admin ? 'server admin granted by a Nextcloud group' : 'server admin revoked with the Nextcloud group');
    return [{ userId: update.userId, provider: update.providerId, change: admin ? 'admin granted' : 'admin revoked' }];
  }

  /** Joins or invites the user, as `group_rooms_mode` sets. */
  private async enter(update: GroupUpdate, room: string): Promise<DirectoryChange[]> {
    const { userId, providerId } = update;
    try {
      const roomId = await this.requireRoom(room);
      const membership = await this.deps.rooms.membership(roomId, userId);
      if (membership === 'join' || membership === 'ban') return [];
      if (update.config.group_rooms_mode === 'invite') {
        if (membership === 'invite') return [];
        await this.inviteAsCreator(roomId, userId);
        return [{ userId, provider: providerId, change: `invited to ${room}` }];
      }
      await this.joinRoom(roomId, userId, membership);
      return [{ userId, provider: providerId, change: `joined ${room}` }];
    } catch (error) {
      this.deps.logger.warn({ err: error, userId, provider: providerId, room }, 'could not put the user in a group room');
      return [];
    }
  }

  /**
   * Joins directly, which a public or restricted room allows. An invite-only room rejects that,
   * so the room's creator invites the user first. That works while the creator is still joined
   * and has the power to invite.
   */
  private async joinRoom(roomId: string, userId: string, membership: string | undefined): Promise<void> {
    try {
      await this.deps.rooms.join(userId, roomId);
    } catch (error) {
      if (!(error instanceof MatrixError) || error.errcode !== 'M_FORBIDDEN' || membership === 'invite') throw error;
      await this.inviteAsCreator(roomId, userId);
      await this.deps.rooms.join(userId, roomId);
    }
  }

  private async inviteAsCreator(roomId: string, userId: string): Promise<void> {
    const creator = await this.deps.rooms.creator(roomId);
    if (creator === undefined) throw new Error(`room ${roomId} has no known creator to invite from`);
    await this.deps.rooms.invite(creator, roomId, userId);
  }

  private async exit(update: GroupUpdate, room: string): Promise<DirectoryChange[]> {
    const { userId, providerId } = update;
    try {
      const roomId = await this.requireRoom(room);
      const membership = await this.deps.rooms.membership(roomId, userId);
      if (membership !== 'join' && membership !== 'invite') return [];
      await this.deps.rooms.leave(userId, roomId, 'No longer in the Nextcloud group of this room');
      return [{ userId, provider: providerId, change: `left ${room}` }];
    } catch (error) {
      this.deps.logger.warn({ err: error, userId, provider: providerId, room }, 'could not take the user out of a group room');
      return [];
    }
  }

  private async requireRoom(room: string): Promise<string> {
    const roomId = await this.deps.rooms.resolveRoom(room);
    if (roomId === undefined) throw new Error(`group room ${room} is not known to this server; create it or fix group_rooms`);
    return roomId;
  }
}

/** Returns the rooms of the groups, each once, in config order. */
function roomsOf(config: NextcloudDirectoryConfig, groups: readonly string[]): string[] {
  const rooms = groups.flatMap((group) => config.group_rooms[group] ?? []);
  return [...new Set(rooms)];
}
