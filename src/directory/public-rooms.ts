import { MatrixError, invalidParam } from '../core/errors.js';
import type { EventStore, StoredEvent } from '../storage/events.js';
import { canSendState } from '../rooms/room-power.js';

/** One entry of the published room directory, as the spec's PublishedRoomsChunk defines it. */
export interface PublicRoomChunk {
  room_id: string;
  num_joined_members: number;
  world_readable: boolean;
  guest_can_join: boolean;
  name?: string;
  topic?: string;
  canonical_alias?: string;
  avatar_url?: string;
  join_rule?: string;
  room_type?: string;
}

export interface PublicRoomsRequest {
  limit?: number;
  since?: string;
  searchTerm?: string;
  /** Room types to keep; `null` stands for rooms without a type. Undefined keeps every room. */
  roomTypes?: Array<string | null>;
}

export interface PublicRoomsPage {
  chunk: PublicRoomChunk[];
  next_batch?: string;
  prev_batch?: string;
  total_room_count_estimate: number;
}

const SUMMARY_STATE_TYPES = [
  'm.room.create', 'm.room.name', 'm.room.topic', 'm.room.canonical_alias', 'm.room.avatar',
  'm.room.join_rules', 'm.room.history_visibility', 'm.room.guest_access', 'm.room.encryption',
];

/** GET /room_summary: the directory entry plus version, encryption, restricted-join rooms and the viewer's membership. */
export interface RoomSummary extends PublicRoomChunk {
  room_version?: string;
  encryption?: string;
  allowed_room_ids?: string[];
  membership?: string;
}

// Join rules under which anyone may preview a room before joining it, as the room summary API allows.
const PREVIEWABLE_JOIN_RULES = ['public', 'knock', 'knock_restricted'];

// The directory lists every published room of this server, so pages are slices of one sorted list.
const MAX_PAGE_SIZE = 500;

/** The published room directory of this server and each room's visibility in it. */
export class PublicRoomDirectory {
  constructor(private readonly events: EventStore) {}

  /**
   * Returns a page of published rooms, largest first and then by room id, so pages stay stable.
   * Tokens are offsets into that order: `n<offset>` for the next page, `p<offset>` for the previous.
   */
  async list(request: PublicRoomsRequest): Promise<PublicRoomsPage> {
    const offset = request.since === undefined ? 0 : parsePageToken(request.since);
    const limit = Math.min(request.limit ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const rooms: PublicRoomChunk[] = [];
    for (const roomId of await this.events.listPublicRooms()) {
      const chunk = await this.describe(roomId);
      if (matchesSearch(chunk, request.searchTerm) && matchesRoomType(chunk, request.roomTypes)) rooms.push(chunk);
    }
    rooms.sort((a, b) => b.num_joined_members - a.num_joined_members || (a.room_id < b.room_id ? -1 : 1));

    const page: PublicRoomsPage = { chunk: rooms.slice(offset, offset + limit), total_room_count_estimate: rooms.length };
    if (offset + limit < rooms.length) page.next_batch = `n${offset + limit}`;
    if (offset > 0) page.prev_batch = `p${Math.max(0, offset - limit)}`;
    return page;
  }

  /** Returns `public` when the room is published in the directory, `private` otherwise. */
  async getVisibility(roomId: string): Promise<'public' | 'private'> {
    const room = await this.events.getRoom(roomId);
    if (!room) throw new MatrixError('M_NOT_FOUND', `Room ${roomId} is not known to this server.`);
    return room.isPublic ? 'public' : 'private';
  }

  /** Publishes or hides the room; the user needs the power to change the room's canonical alias. */
  async setVisibility(userId: string, roomId: string, visibility: 'public' | 'private'): Promise<void> {
    if (!(await this.events.getRoom(roomId))) throw new MatrixError('M_NOT_FOUND', `Room ${roomId} is not known to this server.`);
    const membership = await this.events.getMembership(roomId, userId);
    if (membership?.membership !== 'join' || !(await canSendState(this.events, roomId, userId, 'm.room.canonical_alias'))) {
      throw new MatrixError('M_FORBIDDEN', `${userId} lacks the power level to change the directory visibility of ${roomId}.`);
    }
    await this.events.setRoomPublic(roomId, visibility === 'public');
  }

  /**
   * Summarises a room for a member of it (any membership) or, for rooms anyone may preview
   * (a public or knock join rule, or world-readable history), for anyone. Other rooms are
   * M_NOT_FOUND, so the response does not reveal that they exist.
   */
  async summary(roomId: string, viewerId: string | undefined): Promise<RoomSummary> {
    const room = await this.events.getRoom(roomId);
    const notFound = new MatrixError('M_NOT_FOUND', `Room ${roomId} not found, or it cannot be previewed without joining.`);
    if (!room) throw notFound;
    const membership = viewerId === undefined ? undefined : (await this.events.getMembership(roomId, viewerId))?.membership;
    const summary = await this.summarise(roomId, room.roomVersion);
    const previewable = PREVIEWABLE_JOIN_RULES.includes(summary.join_rule ?? '') || summary.world_readable;
    if (!previewable && membership === undefined) throw notFound;
    if (membership !== undefined) summary.membership = membership;
    return summary;
  }

  /**
   * Describes a room as the room summary and space hierarchy APIs list it: the directory entry
   * plus version, encryption and restricted-join rooms, without any viewer's membership or checks.
   */
  async summarise(roomId: string, roomVersion: string): Promise<RoomSummary> {
    const summary: RoomSummary = { ...(await this.describe(roomId)), room_version: roomVersion };
    const state = await this.events.getCurrentState(roomId, ['m.room.encryption', 'm.room.join_rules']);
    const algorithm = (state.find((event) => event.type === 'm.room.encryption')?.json.content as { algorithm?: unknown } | undefined)?.algorithm;
    if (algorithm === 'm.megolm.v1.aes-sha2') summary.encryption = algorithm;
    const allowedRooms = allowedRoomIds(state.find((event) => event.type === 'm.room.join_rules')?.json.content);
    if (allowedRooms.length > 0) summary.allowed_room_ids = allowedRooms;
    return summary;
  }

  private async describe(roomId: string): Promise<PublicRoomChunk> {
    const state = await this.events.getCurrentState(roomId, SUMMARY_STATE_TYPES);
    const content = (type: string) => state.find((event: StoredEvent) => event.type === type)?.json.content as Record<string, unknown> | undefined;
    const joined = await this.events.getMembers(roomId, ['join']);
    const chunk: PublicRoomChunk = {
      room_id: roomId,
      num_joined_members: joined.length,
      world_readable: content('m.room.history_visibility')?.history_visibility === 'world_readable',
      guest_can_join: content('m.room.guest_access')?.guest_access === 'can_join',
    };
    const strings: Array<[keyof PublicRoomChunk, unknown]> = [
      ['name', content('m.room.name')?.name],
      ['topic', content('m.room.topic')?.topic],
      ['canonical_alias', content('m.room.canonical_alias')?.alias],
      ['avatar_url', content('m.room.avatar')?.url],
      ['join_rule', content('m.room.join_rules')?.join_rule],
      ['room_type', content('m.room.create')?.type],
    ];
    for (const [key, value] of strings) {
      if (typeof value === 'string' && value !== '') (chunk as unknown as Record<string, unknown>)[key] = value;
    }
    return chunk;
  }
}

/** Returns the room ids of the `m.room_membership` conditions of a join rules event's `allow` list. */
export function allowedRoomIds(joinRulesContent: unknown): string[] {
  const allow = (joinRulesContent as { allow?: unknown } | undefined)?.allow;
  if (!Array.isArray(allow)) return [];
  return allow.map((entry) => (entry as { room_id?: unknown } | null)?.room_id).filter((id): id is string => typeof id === 'string');
}

function parsePageToken(token: string): number {
  const match = /^[np](\d{1,9})$/.exec(token);
  if (!match?.[1]) throw invalidParam(`"since" is not a token this server issued: "${token}". Pass next_batch or prev_batch of an earlier response.`);
  return Number(match[1]);
}

/** Case-insensitive substring search over name, topic, canonical alias and room id. */
function matchesSearch(chunk: PublicRoomChunk, term: string | undefined): boolean {
  if (term === undefined || term.trim() === '') return true;
  const needle = term.trim().toLowerCase();
  return [chunk.name, chunk.topic, chunk.canonical_alias, chunk.room_id].some((value) => value?.toLowerCase().includes(needle));
}

function matchesRoomType(chunk: PublicRoomChunk, types: Array<string | null> | undefined): boolean {
  if (types === undefined) return true;
  return types.includes(chunk.room_type ?? null);
}
