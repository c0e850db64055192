import { MatrixError } from '../core/errors.js';
import { allowedRoomIds, type PublicRoomDirectory, type RoomSummary } from '../directory/public-rooms.js';
import type { EventStore, StoredEvent } from '../storage/events.js';
import { orderSpaceChildren, parseHierarchyToken, formatHierarchyToken, type SpaceChild } from './space-children.js';

export interface HierarchyRequest {
  suggestedOnly: boolean;
  limit?: number;
  maxDepth?: number;
  from?: string;
}

export interface HierarchyRoom extends RoomSummary {
  children_state: StrippedChildEvent[];
}

export interface StrippedChildEvent {
  type: string;
  state_key: string;
  content: Record<string, unknown>;
  sender: string;
  origin_server_ts: number;
}

export interface HierarchyPage {
  rooms: HierarchyRoom[];
  next_batch?: string;
}

// Default and maximum page size, and default and maximum depth of the walk.
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;
const DEFAULT_MAX_DEPTH = 10;
const MAX_DEPTH = 10;
// Caps the rooms one request visits, so a huge or looping tree cannot exhaust the server.
const MAX_VISITED_ROOMS = 2000;

// Join rules under which anyone may see a room in a space, as the spec lists for the hierarchy.
const OPEN_JOIN_RULES = ['public', 'knock', 'knock_restricted'];

/**
 * Walks a space's tree depth-first through the `m.space.child` state events of space-rooms, and
 * returns the rooms the requester may see. Pages are positions in that walk, so each page redoes
 * the walk. The token carries the walk's options, because they must not change between pages.
 * NOTE: only rooms stored on this server are described. Children on other servers need
 * federation and are skipped.
 */
export class SpaceHierarchy {
  constructor(
    private readonly events: EventStore,
    private readonly directory: PublicRoomDirectory,
  ) {}

  async walk(userId: string, rootId: string, request: HierarchyRequest): Promise<HierarchyPage> {
    const limit = Math.min(request.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    const maxDepth = Math.min(request.maxDepth ?? DEFAULT_MAX_DEPTH, MAX_DEPTH);
    const skip = request.from === undefined ? 0 : parseHierarchyToken(request.from, { rootId, suggestedOnly: request.suggestedOnly, maxDepth });
    if (!(await this.isVisible(userId, rootId))) {
      throw new MatrixError('M_FORBIDDEN', `You may not view room ${rootId}, or it does not exist.`);
    }

    const rooms: HierarchyRoom[] = [];
    const visited = new Set<string>();
    const stack: Array<{ roomId: string; depth: number }> = [{ roomId: rootId, depth: 0 }];
    let seen = 0;
    while (stack.length > 0 && visited.size < MAX_VISITED_ROOMS) {
      const { roomId, depth } = stack.pop()!;
      if (visited.has(roomId)) continue;
      visited.add(roomId);
      if (!(await this.isVisible(userId, roomId))) continue;

      seen += 1;
      if (seen > skip + limit) {
        return { rooms, next_batch: formatHierarchyToken({ rootId, suggestedOnly: request.suggestedOnly, maxDepth, offset: skip + limit }) };
      }
      const room = await this.describe(roomId);
      if (seen > skip) rooms.push(room);
      if (depth >= maxDepth) continue;

      const children = room.children_state
        .map((event) => ({ roomId: event.state_key, content: event.content, originServerTs: event.origin_server_ts }))
        .filter((child) => !request.suggestedOnly || child.content.suggested === true);
      // Reversed, so the first child in space order is the next room popped.
      for (const child of [...children].reverse()) stack.push({ roomId: child.roomId, depth: depth + 1 });
    }
    return { rooms };
  }

  /** Describes a known room with the valid `m.space.child` events of a space-room, in space order. */
  private async describe(roomId: string): Promise<HierarchyRoom> {
    const room = await this.events.getRoom(roomId);
    const summary = await this.directory.summarise(roomId, room?.roomVersion ?? '');
    if (summary.room_type !== 'm.space') return { ...summary, children_state: [] };

    const childEvents = (await this.events.getCurrentState(roomId, ['m.space.child'])).filter(isValidChild);
    const byRoom = new Map(childEvents.map((event) => [event.stateKey as string, event]));
    const ordered = orderSpaceChildren(childEvents.map((event): SpaceChild => ({
      roomId: event.stateKey as string, content: event.json.content as Record<string, unknown>, originServerTs: event.originServerTs,
    })));
    const children_state = ordered.map((child) => strip(byRoom.get(child.roomId)!));
    return { ...summary, children_state };
  }

  /**
   * Whether the user may see the room in a hierarchy. The user sees rooms they are joined or
   * invited to, rooms anyone may join or knock on, rooms with world-readable history, and
   * restricted rooms whose allow list names a room the user is joined to. Unknown rooms are hidden.
   */
  private async isVisible(userId: string, roomId: string): Promise<boolean> {
    if (!(await this.events.getRoom(roomId))) return false;
    const membership = (await this.events.getMembership(roomId, userId))?.membership;
    if (membership === 'join' || membership === 'invite') return true;
    if (membership === 'ban') return false;

    const state = await this.events.getCurrentState(roomId, ['m.room.join_rules', 'm.room.history_visibility']);
    const content = (type: string) => state.find((event) => event.type === type)?.json.content as Record<string, unknown> | undefined;
    const joinRule = content('m.room.join_rules')?.join_rule;
    if (typeof joinRule === 'string' && OPEN_JOIN_RULES.includes(joinRule)) return true;
    if (content('m.room.history_visibility')?.history_visibility === 'world_readable') return true;
    if (joinRule !== 'restricted') return false;
    for (const allowedRoom of allowedRoomIds(content('m.room.join_rules'))) {
      if ((await this.events.getMembership(allowedRoom, userId))?.membership === 'join') return true;
    }
    return false;
  }
}

/** Checks that a child event links a room, which it does only while `via` is a non-empty list of server names. */
function isValidChild(event: StoredEvent): boolean {
  const via = (event.json.content as { via?: unknown } | undefined)?.via;
  return event.stateKey !== null && Array.isArray(via) && via.length > 0 && via.every((server) => typeof server === 'string');
}

function strip(event: StoredEvent): StrippedChildEvent {
  return {
    type: event.type,
    state_key: event.stateKey ?? '',
    content: (event.json.content ?? {}) as Record<string, unknown>,
    sender: event.sender,
    origin_server_ts: event.originServerTs,
  };
}
