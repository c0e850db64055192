import { randomUUID } from 'node:crypto';
import { MatrixError } from '../core/errors.js';
import type { Logger } from '../logging.js';
import type { RoomListQuery, RoomSummary } from '../storage/room-admin.js';

/** The storage methods room administration uses. */
export interface RoomAdminStorage {
  listRooms(query: RoomListQuery): Promise<{ rooms: RoomSummary[]; total: number }>;
  getRoom(roomId: string): Promise<RoomSummary | undefined>;
  purgeRoom(roomId: string): Promise<boolean>;
  members(roomId: string, memberships: readonly string[]): Promise<Array<{ userId: string }>>;
  aliases(roomId: string): Promise<string[]>;
}

export interface RoomAdminDeps {
  storage: RoomAdminStorage;
  leaveRoom(userId: string, roomId: string, reason: string): Promise<void>;
  serverName: string;
  logger: Logger;
}

/** The outcome of a room deletion, shaped as Synapse's `shutdown_room` result. */
export interface RoomDeletion {
  deleteId: string;
  roomId: string;
  status: 'complete' | 'failed';
  kickedUsers: string[];
  failedToKickUsers: string[];
  localAliases: string[];
  error?: string;
}

// Deletion results are kept in memory for the status endpoints, the most recent ones only.
const MAX_REMEMBERED_DELETIONS = 100;

/** Room listing, details and deletion behind the Synapse-compatible admin API. */
export class RoomAdminService {
  private readonly deletions = new Map<string, RoomDeletion>();

  constructor(private readonly deps: RoomAdminDeps) {}

  list(query: RoomListQuery): Promise<{ rooms: RoomSummary[]; total: number }> {
    return this.deps.storage.listRooms(query);
  }

  /** Returns the room; throws 404 M_NOT_FOUND when it is not known here. */
  async get(roomId: string): Promise<RoomSummary> {
    const room = await this.deps.storage.getRoom(roomId);
    if (!room) throw new MatrixError('M_NOT_FOUND', `Room ${roomId} not found.`);
    return room;
  }

  /**
   * Makes every local member leave (invites are rejected), then with `purge` deletes the room's
   * data. Runs to completion before returning; the result stays readable by its delete id.
   */
  async delete(roomId: string, options: { purge: boolean; message?: string }): Promise<RoomDeletion> {
    await this.get(roomId);
    const deletion: RoomDeletion = {
      deleteId: randomUUID(), roomId, status: 'complete', kickedUsers: [], failedToKickUsers: [],
      localAliases: await this.deps.storage.aliases(roomId),
    };
    await this.removeMembers(roomId, options.message ?? 'This room has been shut down by a server admin.', deletion);
    if (options.purge) await this.deps.storage.purgeRoom(roomId);
    this.remember(deletion);
    this.deps.logger.info({ roomId, deleteId: deletion.deleteId, purge: options.purge, kicked: deletion.kickedUsers.length }, 'room deleted');
    return deletion;
  }

  /** Returns the user ids joined to the room; throws 404 M_NOT_FOUND for an unknown room. */
  async joinedMembers(roomId: string): Promise<string[]> {
    await this.get(roomId);
    const members = await this.deps.storage.members(roomId, ['join']);
    return members.map((member) => member.userId);
  }

  /** The deletion by its id; throws 404 when it is unknown or forgotten. */
  deletionById(deleteId: string): RoomDeletion {
    const deletion = this.deletions.get(deleteId);
    if (!deletion) throw new MatrixError('M_NOT_FOUND', `Delete id ${deleteId} not found.`);
    return deletion;
  }

  /** The deletions of the room this process has run, oldest first. */
  deletionsForRoom(roomId: string): RoomDeletion[] {
    const found = [...this.deletions.values()].filter((deletion) => deletion.roomId === roomId);
    if (found.length === 0) throw new MatrixError('M_NOT_FOUND', `No deletion of room ${roomId} is known.`);
    return found;
  }

  private async removeMembers(roomId: string, reason: string, deletion: RoomDeletion): Promise<void> {
    const members = await this.deps.storage.members(roomId, ['join', 'invite', 'knock']);
    const localSuffix = `:${this.deps.serverName}`;
    for (const { userId } of members) {
      // NOTE: members of other servers stay; they appear only once federation exists.
      if (!userId.endsWith(localSuffix)) continue;
      try {
        await this.deps.leaveRoom(userId, roomId, reason);
        deletion.kickedUsers.push(userId);
      } catch (error) {
        deletion.failedToKickUsers.push(userId);
        this.deps.logger.warn({ err: error, userId, roomId }, 'could not remove a member from a deleted room');
      }
    }
  }

  private remember(deletion: RoomDeletion): void {
    this.deletions.set(deletion.deleteId, deletion);
    while (this.deletions.size > MAX_REMEMBERED_DELETIONS) {
      const oldest = this.deletions.keys().next().value;
      if (oldest === undefined) break;
      this.deletions.delete(oldest);
    }
  }
}
