import { MatrixError } from '../core/errors.js';
import type { ClientEvent } from '../rooms/client-event.js';
import type { EventFormatter } from '../rooms/event-formatter.js';
import type { Viewer } from '../rooms/room-reader.js';
import type { EventStore, StoredEvent } from '../storage/events.js';
import type { RelationStore } from '../storage/relations.js';
import { formatStreamToken, parseStreamToken } from '../sync/stream-token.js';

export interface RelationsRequest {
  relType?: string;
  eventType?: string;
  from?: string;
  to?: string;
  dir: 'b' | 'f';
  limit: number;
  recurse: boolean;
}

export interface RelationsResponse {
  chunk: ClientEvent[];
  next_batch?: string;
  recursion_depth?: number;
}

export interface ThreadsRequest {
  include: 'all' | 'participated';
  from?: string;
  limit: number;
}

/** Checks that the viewer may read the room and returns the newest stream position they may see. */
export type VisibilityCheck = (userId: string, roomId: string) => Promise<number>;

// Servers that recurse should follow at least 3 levels of relations, by the spec's /relations definition.
const RECURSION_DEPTH = 3;

/** GET /relations and GET /threads: the children of an event, and a room's threads. */
export class RelationService {
  constructor(
    private readonly relations: RelationStore,
    private readonly events: EventStore,
    private readonly formatter: EventFormatter,
    private readonly visibleUpTo: VisibilityCheck,
  ) {}

  /**
   * Returns a page of the events relating to `eventId`, newest first for `dir=b`. Tokens are stream
   * tokens, so /sync and /messages tokens work as `from` and `to` too.
   */
  async relationsOf(viewer: Viewer, roomId: string, eventId: string, request: RelationsRequest): Promise<RelationsResponse> {
    const upTo = await this.visibleUpTo(viewer.userId, roomId);
    const parent = await this.events.getEvent(eventId);
    if (!parent || parent.roomId !== roomId || parent.streamOrdering > upTo) {
      throw new MatrixError('M_NOT_FOUND', `Event ${eventId} not found in room ${roomId}.`);
    }
    const parentIds = request.recurse ? await this.descendantParents(eventId) : [eventId];
    const from = request.from === undefined ? undefined : parseStreamToken(request.from, 'from');
    const to = request.to === undefined ? undefined : parseStreamToken(request.to, 'to');
    const visibleEnd = Number.isFinite(upTo) ? upTo + 1 : undefined;
    const bounds = request.dir === 'b'
      ? { before: minDefined(from === undefined ? undefined : from + 1, visibleEnd), after: to }
      : { after: from, before: minDefined(to === undefined ? undefined : to + 1, visibleEnd) };

    const page = await this.relations.page({
      parentIds, roomId, relType: request.relType, eventType: request.eventType, direction: request.dir === 'b' ? 'backward' : 'forward',
      limit: request.limit + 1, ...bounds,
    });
    const more = page.length > request.limit;
    const shown = page.slice(0, request.limit);
    const response: RelationsResponse = { chunk: await this.format(shown, viewer, roomId) };
    const last = shown.at(-1);
    if (more && last) response.next_batch = formatStreamToken(request.dir === 'b' ? last.streamOrdering - 1 : last.streamOrdering);
    if (request.recurse) response.recursion_depth = RECURSION_DEPTH;
    return response;
  }

  /** Returns a page of the room's thread roots, the thread with the newest reply first. */
  async threads(viewer: Viewer, roomId: string, request: ThreadsRequest): Promise<{ chunk: ClientEvent[]; next_batch?: string }> {
    const upTo = await this.visibleUpTo(viewer.userId, roomId);
    const before = request.from === undefined ? undefined : parseStreamToken(request.from, 'from') + 1;
    const roots = await this.relations.threadRoots(roomId, {
      before: minDefined(before, Number.isFinite(upTo) ? upTo + 1 : undefined),
      limit: request.limit + 1,
      participant: request.include === 'participated' ? viewer.userId : undefined,
    });
    const shown = roots.slice(0, request.limit);
    const rootEvents = new Map((await this.events.getEvents(shown.map((root) => root.rootId))).map((event) => [event.eventId, event]));
    const ordered = shown.map((root) => rootEvents.get(root.rootId)).filter((event): event is StoredEvent => event !== undefined && event.roomId === roomId);
    const response: { chunk: ClientEvent[]; next_batch?: string } = { chunk: await this.format(ordered, viewer, roomId) };
    const last = shown.at(-1);
    if (roots.length > request.limit && last) response.next_batch = formatStreamToken(last.latestOrdering - 1);
    return response;
  }

  /** Collects the event and the events relating to it indirectly, up to the recursion depth, as parents to search. */
  private async descendantParents(eventId: string): Promise<string[]> {
    const parents = [eventId];
    let level = [eventId];
    for (let depth = 1; depth < RECURSION_DEPTH && level.length > 0; depth += 1) {
      level = (await this.relations.childIds(level)).filter((id) => !parents.includes(id));
      parents.push(...level);
    }
    return parents;
  }

  private async format(events: readonly StoredEvent[], viewer: Viewer, roomId: string): Promise<ClientEvent[]> {
    const roomVersion = (await this.events.getRoom(roomId))?.roomVersion;
    return this.formatter.format(events, viewer, { includeRoomId: true, roomVersion });
  }
}

function minDefined(...values: Array<number | undefined>): number | undefined {
  const defined = values.filter((value): value is number => value !== undefined);
  return defined.length === 0 ? undefined : Math.min(...defined);
}
