import { randomBytes } from 'node:crypto';
import { MatrixError } from '../core/errors.js';
import { DEFAULT_ROOM_VERSION, getRoomVersion, isCreatableRoomVersion, isValidRoomAlias, isValidUserId } from '../core/index.js';
import type { Logger } from '../logging.js';
import type { RoomAliasStore } from '../storage/room-aliases.js';
import type { EventStore } from '../storage/events.js';
import type { UserStore } from '../storage/users.js';
import { createEventContent, initialStateEvents, type CreateRoomRequest } from './create-room.js';
import { rejectDuplicateAnnotation, type AnnotationLookup } from './duplicate-annotations.js';
import type { RoomWriter } from './room-writer.js';

export interface RoomServiceDeps {
  writer: RoomWriter;
  events: EventStore;
  users: UserStore;
  aliases: RoomAliasStore;
  annotations: AnnotationLookup;
  serverName: string;
  logger: Logger;
  now?: () => number;
}

export interface MembershipChange {
  sender: string;
  roomId: string;
  target: string;
  reason?: string;
}

/** Room operations on behalf of users: creating, joining, membership changes, sending, redacting. */
export class RoomService {
  private readonly now: () => number;

  constructor(private readonly deps: RoomServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async createRoom(creator: string, request: CreateRoomRequest): Promise<{ roomId: string; alias?: string }> {
    const versionId = request.room_version ?? DEFAULT_ROOM_VERSION;
    const version = getRoomVersion(versionId);
    if (!version || !isCreatableRoomVersion(versionId)) {
      throw new MatrixError('M_UNSUPPORTED_ROOM_VERSION', `Room version "${versionId}" cannot be created here; use 10, 11 or 12.`);
    }
    for (const invitee of request.invite ?? []) {
      if (!isValidUserId(invitee)) throw new MatrixError('M_INVALID_PARAM', `"${invitee}" in invite is not a valid user id.`);
    }
    const alias = request.room_alias_name === undefined ? undefined : this.aliasFromName(request.room_alias_name);
    if (alias && (await this.deps.aliases.resolve(alias))) {
      throw new MatrixError('M_ROOM_IN_USE', `The alias ${alias} is already in use.`);
    }

    const roomId = await this.deps.writer.createRoom(version, creator, createEventContent(request, creator, version), `!${randomOpaqueId()}:${this.deps.serverName}`);
    await this.deps.writer.append(roomId, { type: 'm.room.member', sender: creator, stateKey: creator, content: await this.joinContent(creator) });
    for (const template of initialStateEvents(request, creator, alias, version)) {
      await this.deps.writer.append(roomId, template);
    }
    if (alias) await this.deps.aliases.create(alias, roomId, creator, this.now());
    if (request.visibility === 'public') await this.deps.events.setRoomPublic(roomId, true);
    for (const invitee of request.invite ?? []) {
      await this.invite({ sender: creator, roomId, target: invitee }, request.is_direct === true);
    }
    return alias ? { roomId, alias } : { roomId };
  }

  async join(userId: string, roomId: string): Promise<void> {
    const current = await this.deps.events.getMembership(roomId, userId);
    if (current?.membership === 'join') {
      // Joining again refreshes the profile in the member event only when it changed.
      const content = await this.joinContent(userId);
      const existing = await this.deps.events.getCurrentStateEvent(roomId, 'm.room.member', userId);
      if (JSON.stringify(existing?.json.content) === JSON.stringify(content)) return;
    }
    await this.requireRoom(roomId);
    await this.deps.writer.append(roomId, { type: 'm.room.member', sender: userId, stateKey: userId, content: await this.joinContent(userId) });
  }

  /** Asks to join a room whose join rule is `knock` or `knock_restricted`; members may then invite. */
  async knock(userId: string, roomId: string, reason?: string): Promise<void> {
    await this.requireRoom(roomId);
    const current = await this.deps.events.getMembership(roomId, userId);
    if (current?.membership === 'join') throw new MatrixError('M_FORBIDDEN', `${userId} is already in the room.`);
    if (current?.membership === 'ban') throw new MatrixError('M_FORBIDDEN', `${userId} is banned from the room.`);
    const content: Record<string, unknown> = { membership: 'knock', ...(await this.profileContent(userId)) };
    if (reason) content.reason = reason;
    await this.deps.writer.append(roomId, { type: 'm.room.member', sender: userId, stateKey: userId, content });
  }

  async invite(change: MembershipChange, isDirect = false): Promise<void> {
    if (!isValidUserId(change.target)) throw new MatrixError('M_INVALID_PARAM', `"${change.target}" is not a valid user id.`);
    await this.requireRoom(change.roomId);
    const current = await this.deps.events.getMembership(change.roomId, change.target);
    if (current?.membership === 'join') throw new MatrixError('M_FORBIDDEN', `${change.target} is already in the room.`);
    if (current?.membership === 'ban') throw new MatrixError('M_FORBIDDEN', `${change.target} is banned from the room.`);
    const content: Record<string, unknown> = { membership: 'invite', ...(await this.profileContent(change.target)) };
    if (isDirect) content.is_direct = true;
    if (change.reason) content.reason = change.reason;
    await this.deps.writer.append(change.roomId, { type: 'm.room.member', sender: change.sender, stateKey: change.target, content });
  }

  async leave(userId: string, roomId: string, reason?: string): Promise<void> {
    await this.requireRoom(roomId);
    const current = await this.deps.events.getMembership(roomId, userId);
    if (!current || current.membership === 'leave' || current.membership === 'ban') {
      throw new MatrixError('M_FORBIDDEN', `${userId} is not in room ${roomId}.`);
    }
    await this.setMembership({ sender: userId, roomId, target: userId, reason }, 'leave');
  }

  async kick(change: MembershipChange): Promise<void> {
    await this.requireRoom(change.roomId);
    const current = await this.deps.events.getMembership(change.roomId, change.target);
    if (!current || (current.membership !== 'join' && current.membership !== 'invite' && current.membership !== 'knock')) {
      throw new MatrixError('M_FORBIDDEN', `${change.target} is not in the room.`);
    }
    await this.setMembership(change, 'leave');
  }

  async ban(change: MembershipChange): Promise<void> {
    await this.requireRoom(change.roomId);
    await this.setMembership(change, 'ban');
  }

  async unban(change: MembershipChange): Promise<void> {
    await this.requireRoom(change.roomId);
    const current = await this.deps.events.getMembership(change.roomId, change.target);
    if (current?.membership !== 'ban') throw new MatrixError('M_FORBIDDEN', `${change.target} is not banned.`);
    await this.setMembership(change, 'leave');
  }

  /** Sends a message event; a repeated (device, txnId) returns the first event's id. */
  async send(
    session: { userId: string; deviceId: string }, roomId: string, type: string, content: Record<string, unknown>, txnId: string,
  ): Promise<string> {
    // The writer checks the room and the membership from the state it caches for writing. The
    // duplicate-annotation check reads relations, so for annotations the membership comes first.
    if (isAnnotation(content)) await this.requireJoined(session.userId, roomId);
    await rejectDuplicateAnnotation(this.deps.annotations, { userId: session.userId, deviceId: session.deviceId, txnId, type, content });
    const result = await this.deps.writer.append(roomId, { type, sender: session.userId, content }, {
      transaction: { userId: session.userId, deviceId: session.deviceId, txnId },
      requireJoinedSender: true,
    });
    return result.eventId;
  }

  async setState(userId: string, roomId: string, type: string, stateKey: string, content: Record<string, unknown>): Promise<string> {
    await this.requireRoom(roomId);
    if (type === 'm.room.member') return this.setMemberStateDirectly(userId, roomId, stateKey, content);
    if (type === 'm.room.canonical_alias') await this.checkCanonicalAlias(roomId, content);
    await this.requireJoined(userId, roomId);
    return (await this.deps.writer.append(roomId, { type, sender: userId, stateKey, content })).eventId;
  }

  async redact(
    session: { userId: string; deviceId: string }, roomId: string, eventId: string, txnId: string, reason?: string,
  ): Promise<string> {
    await this.requireJoined(session.userId, roomId);
    const target = await this.deps.events.getEvent(eventId);
    if (!target || target.roomId !== roomId) throw new MatrixError('M_NOT_FOUND', `Event ${eventId} is not in room ${roomId}.`);
    const content: Record<string, unknown> = reason === undefined ? {} : { reason };
    const result = await this.deps.writer.append(roomId, { type: 'm.room.redaction', sender: session.userId, content, redacts: eventId }, {
      transaction: { userId: session.userId, deviceId: session.deviceId, txnId },
    });
    return result.eventId;
  }

  /** Writes a new join event with the user's current profile in every room they are joined to. */
  async refreshMemberProfiles(userId: string): Promise<void> {
    const rooms = await this.deps.events.getRoomsForUser(userId, ['join']);
    for (const room of rooms) {
      try {
        await this.join(userId, room.roomId);
      } catch (error) {
        this.deps.logger.warn({ err: error, userId, roomId: room.roomId }, 'could not update the member event with the new profile');
      }
    }
  }

  /** Drops what the room writer keeps about a room whose data was deleted from the store. */
  forgetRoom(roomId: string): void {
    this.deps.writer.forgetRoom(roomId);
  }

  async requireJoined(userId: string, roomId: string): Promise<void> {
    await this.requireRoom(roomId);
    const membership = await this.deps.events.getMembership(roomId, userId);
    if (membership?.membership !== 'join') throw new MatrixError('M_FORBIDDEN', `${userId} is not joined to room ${roomId}.`);
  }

  private async requireRoom(roomId: string): Promise<void> {
    if (!(await this.deps.events.getRoom(roomId))) throw new MatrixError('M_NOT_FOUND', `Room ${roomId} is not known to this server.`);
  }

  private async setMembership(change: MembershipChange, membership: 'leave' | 'ban'): Promise<void> {
    const content: Record<string, unknown> = { membership };
    if (change.reason) content.reason = change.reason;
    await this.deps.writer.append(change.roomId, { type: 'm.room.member', sender: change.sender, stateKey: change.target, content });
  }

  /** PUT state of m.room.member goes through the auth rules like any membership change. */
  private async setMemberStateDirectly(userId: string, roomId: string, target: string, content: Record<string, unknown>): Promise<string> {
    if (typeof content.membership !== 'string') throw new MatrixError('M_BAD_JSON', 'm.room.member content needs "membership".');
    return (await this.deps.writer.append(roomId, { type: 'm.room.member', sender: userId, stateKey: target, content })).eventId;
  }

  private async checkCanonicalAlias(roomId: string, content: Record<string, unknown>): Promise<void> {
    const aliases = [content.alias, ...(Array.isArray(content.alt_aliases) ? content.alt_aliases : [])].filter((a) => a !== undefined && a !== null);
    for (const alias of aliases) {
      if (typeof alias !== 'string' || !isValidRoomAlias(alias)) throw new MatrixError('M_INVALID_PARAM', `"${String(alias)}" is not a valid room alias.`);
      const resolved = await this.deps.aliases.resolve(alias);
      if (alias.endsWith(`:${this.deps.serverName}`) && resolved?.roomId !== roomId) {
        throw new MatrixError('M_BAD_ALIAS', `The alias ${alias} does not point to this room.`, { status: 400 });
      }
    }
  }

  private aliasFromName(name: string): string {
    const alias = `#${name}:${this.deps.serverName}`;
    if (name === '' || /[:\s#]/.test(name) || !isValidRoomAlias(alias)) {
      throw new MatrixError('M_INVALID_PARAM', `"${name}" cannot be used as room_alias_name; use a name without ":", "#" or spaces.`);
    }
    return alias;
  }

  private async joinContent(userId: string): Promise<Record<string, unknown>> {
    return { membership: 'join', ...(await this.profileContent(userId)) };
  }

  private async profileContent(userId: string): Promise<Record<string, unknown>> {
    const user = await this.deps.users.get(userId);
    const content: Record<string, unknown> = {};
    if (user?.displayname) content.displayname = user.displayname;
    if (user?.avatarUrl) content.avatar_url = user.avatarUrl;
    return content;
  }
}

function randomOpaqueId(): string {
  return randomBytes(14).toString('base64url').replace(/[-_]/g, 'x').slice(0, 18);
}

function isAnnotation(content: Record<string, unknown>): boolean {
  const relation = content['m.relates_to'];
  return typeof relation === 'object' && relation !== null && (relation as { rel_type?: unknown }).rel_type === 'm.annotation';
}
