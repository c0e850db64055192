import { randomBytes } from 'node:crypto';
import { MatrixError } from '../core/errors.js';
import { getRoomVersion, isCreatableRoomVersion, isValidUserId, type RoomVersion } from '../core/index.js';
import type { Logger } from '../logging.js';
import type { EventStore, StoredEvent } from '../storage/events.js';
import type { RoomAliasStore } from '../storage/room-aliases.js';
import { canSendState } from './room-power.js';
import type { RoomWriter } from './room-writer.js';

export interface RoomUpgradeDeps {
  writer: RoomWriter;
  events: EventStore;
  aliases: RoomAliasStore;
  serverName: string;
  logger: Logger;
}

/** State the spec recommends copying to the replacement room, besides power levels. */
const TRANSFERRED_STATE = [
  'm.room.server_acl', 'm.room.encryption', 'm.room.name', 'm.room.avatar', 'm.room.topic',
  'm.room.guest_access', 'm.room.history_visibility', 'm.room.join_rules',
];

// The level the upgrading user has in the new room while its state is copied.
const UPGRADER_LEVEL = 100;

/**
 * POST /rooms/{roomId}/upgrade: replaces a room with a new one of another room version, as the
 * spec's room upgrade section describes. Members are not moved; they follow the tombstone.
 */
export class RoomUpgrader {
  constructor(private readonly deps: RoomUpgradeDeps) {}

  async upgrade(userId: string, roomId: string, newVersion: string, additionalCreators: readonly string[] = []): Promise<string> {
    const version = getRoomVersion(newVersion);
    if (!version || !isCreatableRoomVersion(newVersion)) {
      throw new MatrixError('M_UNSUPPORTED_ROOM_VERSION', `Room version "${newVersion}" cannot be created here; use 10, 11 or 12.`);
    }
    for (const creator of additionalCreators) {
      if (!isValidUserId(creator)) throw new MatrixError('M_INVALID_PARAM', `"${creator}" in additional_creators is not a valid user id.`);
    }
    await this.checkAllowed(userId, roomId);

    const state = await this.deps.events.getCurrentState(roomId);
    const find = (type: string) => state.find((event) => event.type === type && event.stateKey === '');
    const newRoomId = await this.createReplacement(userId, roomId, version, find('m.room.create'), additionalCreators);
    await this.copyState(userId, newRoomId, version, state, find('m.room.power_levels'), [userId, ...additionalCreators]);
    await this.moveAliases(userId, roomId, newRoomId, find('m.room.canonical_alias'));

    await this.deps.writer.append(roomId, {
      type: 'm.room.tombstone', sender: userId, stateKey: '', content: { body: 'This room has been replaced', replacement_room: newRoomId },
    });
    await this.restrictOldRoom(userId, roomId, find('m.room.power_levels'));
    this.deps.logger.info({ roomId, newRoomId, roomVersion: version.id, userId }, 'room upgraded');
    return newRoomId;
  }

  private async checkAllowed(userId: string, roomId: string): Promise<void> {
    if (!(await this.deps.events.getRoom(roomId))) throw new MatrixError('M_NOT_FOUND', `Room ${roomId} is not known to this server.`);
    const membership = await this.deps.events.getMembership(roomId, userId);
    if (membership?.membership !== 'join') throw new MatrixError('M_FORBIDDEN', `${userId} is not joined to room ${roomId}.`);
    if (!(await canSendState(this.deps.events, roomId, userId, 'm.room.tombstone'))) {
      throw new MatrixError('M_FORBIDDEN', `${userId} lacks the power level to send m.room.tombstone in ${roomId}, which upgrading requires.`);
    }
  }

  /** Writes the new room's create event with `predecessor` and the old room's `type`, then the upgrader's join. */
  private async createReplacement(
    userId: string, roomId: string, version: RoomVersion, oldCreate: StoredEvent | undefined, additionalCreators: readonly string[],
  ): Promise<string> {
    const oldContent = (oldCreate?.json.content ?? {}) as Record<string, unknown>;
    const lastEvent = (await this.deps.events.getForwardExtremities(roomId))[0];
    const content: Record<string, unknown> = {
      room_version: version.id,
      predecessor: lastEvent ? { room_id: roomId, event_id: lastEvent.eventId } : { room_id: roomId },
    };
    if (typeof oldContent.type === 'string') content.type = oldContent.type;
    if (version.creatorInContent) content.creator = userId;
    if (version.infiniteCreatorPower && additionalCreators.length > 0) content.additional_creators = [...additionalCreators];
    const newRoomId = await this.deps.writer.createRoom(version, userId, content, `!${randomBytes(14).toString('base64url').replace(/[-_]/g, 'x').slice(0, 18)}:${this.deps.serverName}`);

    const member = await this.deps.events.getCurrentStateEvent(roomId, 'm.room.member', userId);
    const { displayname, avatar_url: avatarUrl } = (member?.json.content ?? {}) as { displayname?: unknown; avatar_url?: unknown };
    const joinContent: Record<string, unknown> = { membership: 'join' };
    if (typeof displayname === 'string') joinContent.displayname = displayname;
    if (typeof avatarUrl === 'string') joinContent.avatar_url = avatarUrl;
    await this.deps.writer.append(newRoomId, { type: 'm.room.member', sender: userId, stateKey: userId, content: joinContent });
    return newRoomId;
  }

  /**
   * Copies the power levels and the transferable state. The upgrader has full power while
   * the state is copied, and the original levels follow, so any state the old room allowed can be set.
   */
  private async copyState(
    userId: string, newRoomId: string, version: RoomVersion, state: readonly StoredEvent[], oldPowerLevels: StoredEvent | undefined, creators: readonly string[],
  ): Promise<void> {
    const levels = powerLevelsFor(version, creators, (oldPowerLevels?.json.content ?? {}) as Record<string, unknown>);
    const users = (levels.users ?? {}) as Record<string, unknown>;
    const needsBoost = !version.infiniteCreatorPower && users[userId] !== UPGRADER_LEVEL;
    const initial = needsBoost ? { ...levels, users: { ...users, [userId]: UPGRADER_LEVEL } } : levels;
    await this.deps.writer.append(newRoomId, { type: 'm.room.power_levels', sender: userId, stateKey: '', content: initial });

    for (const event of state) {
      if (!TRANSFERRED_STATE.includes(event.type) || event.stateKey !== '') continue;
      await this.deps.writer.append(newRoomId, { type: event.type, sender: userId, stateKey: '', content: (event.json.content ?? {}) as Record<string, unknown> });
    }
    if (needsBoost) await this.deps.writer.append(newRoomId, { type: 'm.room.power_levels', sender: userId, stateKey: '', content: levels });
  }

  /** Points the old room's local aliases and its directory listing at the new room. */
  private async moveAliases(userId: string, roomId: string, newRoomId: string, canonicalAlias: StoredEvent | undefined): Promise<void> {
    for (const alias of await this.deps.aliases.listForRoom(roomId)) {
      const resolved = await this.deps.aliases.resolve(alias);
      await this.deps.aliases.delete(alias);
      await this.deps.aliases.create(alias, newRoomId, resolved?.creator ?? userId, Date.now());
    }
    if (canonicalAlias) {
      const content = (canonicalAlias.json.content ?? {}) as Record<string, unknown>;
      await this.deps.writer.append(newRoomId, { type: 'm.room.canonical_alias', sender: userId, stateKey: '', content });
      await this.deps.writer.append(roomId, { type: 'm.room.canonical_alias', sender: userId, stateKey: '', content: {} });
    }
    const oldRoom = await this.deps.events.getRoom(roomId);
    if (oldRoom?.isPublic) {
      await this.deps.events.setRoomPublic(newRoomId, true);
      await this.deps.events.setRoomPublic(roomId, false);
    }
  }

  /** Raises `events_default` and `invite` in the old room to the greater of 50 and users_default + 1, as the spec suggests. */
  private async restrictOldRoom(userId: string, roomId: string, powerLevels: StoredEvent | undefined): Promise<void> {
    if (!powerLevels) return;
    const content = (powerLevels.json.content ?? {}) as Record<string, unknown>;
    const usersDefault = typeof content.users_default === 'number' ? content.users_default : 0;
    const level = Math.max(50, usersDefault + 1);
    const eventsDefault = typeof content.events_default === 'number' ? content.events_default : 0;
    const invite = typeof content.invite === 'number' ? content.invite : 0;
    if (eventsDefault >= level && invite >= level) return;
    try {
      await this.deps.writer.append(roomId, {
        type: 'm.room.power_levels', sender: userId, stateKey: '',
        content: { ...content, events_default: Math.max(eventsDefault, level), invite: Math.max(invite, level) },
      });
    } catch (error) {
      // The upgrader may send tombstones without the power to change power levels; the tombstone still applies.
      this.deps.logger.warn({ err: error, roomId, userId }, 'could not restrict the old room after its upgrade');
    }
  }
}

/**
 * Returns the old power levels for the new room. Creators of version 12 rooms have infinite power and
 * must not appear in `users`, so they are removed there.
 */
function powerLevelsFor(version: RoomVersion, creators: readonly string[], old: Record<string, unknown>): Record<string, unknown> {
  const users = { ...((old.users ?? {}) as Record<string, unknown>) };
  if (version.infiniteCreatorPower) creators.forEach((creator) => delete users[creator]);
  return { ...old, users };
}
