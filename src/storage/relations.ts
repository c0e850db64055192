import type { Db } from './database.js';
import { toStoredEvent, type StoredEvent } from './events.js';

/** A stored event with the `m.relates_to` fields the events table keeps beside it. */
export interface RelatedEvent extends StoredEvent {
  relatesToId: string | null;
  relType: string | null;
}

export interface RelationPageRequest {
  parentIds: readonly string[];
  roomId: string;
  relType?: string;
  eventType?: string;
  /** Exclusive bounds in stream order. */
  after?: number;
  before?: number;
  direction: 'forward' | 'backward';
  limit: number;
}

/** A thread root with its reply count and newest reply. */
export interface ThreadSummary {
  rootId: string;
  count: number;
  latest: StoredEvent;
  participants: Set<string>;
}

/** Queries over the relation columns of the events table: relations, edits, threads. */
export class RelationStore {
  constructor(private readonly db: Db) {}

  /** Events of a room in (after, upTo], oldest first, at most `limit`, with their relations. */
  async eventsBetween(roomId: string, after: number, upTo: number, limit: number): Promise<RelatedEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll()
      .where('room_id', '=', roomId).where('stream_ordering', '>', after).where('stream_ordering', '<=', upTo)
      .orderBy('stream_ordering', 'desc').limit(limit)
      .execute();
    return rows.reverse().map(toRelatedEvent);
  }

  /** Returns the relation of each event, by event id; events without one are left out. */
  async relationsOf(eventIds: readonly string[]): Promise<Map<string, { relatesToId: string; relType: string }>> {
    if (eventIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('events').select(['event_id', 'relates_to_id', 'rel_type'])
      .where('event_id', 'in', [...eventIds]).where('relates_to_id', 'is not', null)
      .execute();
    const relations = new Map<string, { relatesToId: string; relType: string }>();
    for (const row of rows) {
      if (row.relates_to_id !== null && row.rel_type !== null) relations.set(row.event_id, { relatesToId: row.relates_to_id, relType: row.rel_type });
    }
    return relations;
  }

  /** Returns a page of the events that relate to any of `parentIds`, in the requested direction. */
  async page(request: RelationPageRequest): Promise<RelatedEvent[]> {
    if (request.parentIds.length === 0) return [];
    let query = this.db.selectFrom('events').selectAll()
      .where('relates_to_id', 'in', [...request.parentIds]).where('room_id', '=', request.roomId);
    if (request.relType !== undefined) query = query.where('rel_type', '=', request.relType);
    if (request.eventType !== undefined) query = query.where('type', '=', request.eventType);
    if (request.after !== undefined) query = query.where('stream_ordering', '>', request.after);
    if (request.before !== undefined) query = query.where('stream_ordering', '<', request.before);
    const rows = await query.orderBy('stream_ordering', request.direction === 'forward' ? 'asc' : 'desc').limit(request.limit).execute();
    return rows.map(toRelatedEvent);
  }

  /**
   * Tells whether `sender` has an unredacted `m.annotation` of `parentId` with this event type and
   * annotation key.
   */
  async hasAnnotation(query: { parentId: string; sender: string; type: string; key: string }): Promise<boolean> {
    const rows = await this.db.selectFrom('events').select('event_json')
      .where('relates_to_id', '=', query.parentId).where('rel_type', '=', 'm.annotation')
      .where('sender', '=', query.sender).where('type', '=', query.type).where('redacted_by', 'is', null)
      .execute();
    // The key lives only in the event JSON, and one sender has few annotations on one event.
    return rows.some((row) => annotationKey(JSON.parse(row.event_json)) === query.key);
  }

  /** Ids of the events that relate to any of `parentIds`, whatever the relation type. */
  async childIds(parentIds: readonly string[]): Promise<string[]> {
    if (parentIds.length === 0) return [];
    const rows = await this.db.selectFrom('events').select('event_id').where('relates_to_id', 'in', [...parentIds]).execute();
    return rows.map((row) => row.event_id);
  }

  /** Events that `m.reference` each parent, by parent id, oldest first. */
  async references(parentIds: readonly string[]): Promise<Map<string, string[]>> {
    if (parentIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('events').select(['event_id', 'relates_to_id'])
      .where('relates_to_id', 'in', [...parentIds]).where('rel_type', '=', 'm.reference')
      .orderBy('stream_ordering').execute();
    const references = new Map<string, string[]>();
    for (const row of rows) {
      if (row.relates_to_id === null) continue;
      references.set(row.relates_to_id, [...(references.get(row.relates_to_id) ?? []), row.event_id]);
    }
    return references;
  }

  /**
   * Finds the most recent valid `m.replace` of each parent. The spec counts a replacement as
   * valid only when it has the parent's sender, type and room and no state key. Most recent means
   * the largest `origin_server_ts`, then the largest event id, as the spec orders edits.
   * Redacted replacements are skipped.
   */
  async latestEdits(parents: ReadonlyArray<{ eventId: string; sender: string; type: string; roomId: string }>): Promise<Map<string, StoredEvent>> {
    if (parents.length === 0) return new Map();
    const parentById = new Map(parents.map((parent) => [parent.eventId, parent]));
    const rows = await this.db.selectFrom('events').selectAll()
      .where('relates_to_id', 'in', [...parentById.keys()]).where('rel_type', '=', 'm.replace').where('redacted_by', 'is', null)
      .where('state_key', 'is', null)
      .orderBy('stream_ordering')
      .execute();
    const latest = new Map<string, StoredEvent>();
    for (const row of rows) {
      const parent = row.relates_to_id === null ? undefined : parentById.get(row.relates_to_id);
      if (!parent || parent.sender !== row.sender || parent.type !== row.type || parent.roomId !== row.room_id) continue;
      const current = latest.get(parent.eventId);
      const edit = toStoredEvent(row);
      if (!current || edit.originServerTs > current.originServerTs || (edit.originServerTs === current.originServerTs && edit.eventId > current.eventId)) {
        latest.set(parent.eventId, edit);
      }
    }
    return latest;
  }

  /** Thread summaries of the roots among `rootIds` that have at least one reply, counting replies up to `upTo`. */
  async threadSummaries(rootIds: readonly string[], upTo = Number.MAX_SAFE_INTEGER): Promise<Map<string, ThreadSummary>> {
    if (rootIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('events').selectAll()
      .where('relates_to_id', 'in', [...rootIds]).where('rel_type', '=', 'm.thread').where('stream_ordering', '<=', upTo)
      .orderBy('stream_ordering')
      .execute();
    const summaries = new Map<string, ThreadSummary>();
    for (const row of rows) {
      if (row.relates_to_id === null) continue;
      const event = toStoredEvent(row);
      const summary = summaries.get(row.relates_to_id) ?? { rootId: row.relates_to_id, count: 0, latest: event, participants: new Set<string>() };
      summary.count += 1;
      summary.latest = event;
      summary.participants.add(event.sender);
      summaries.set(row.relates_to_id, summary);
    }
    return summaries;
  }

  /**
   * Thread roots of the room, newest thread activity first, with the position of that activity.
   * `participant` keeps threads the user started or replied to. `before` pages past earlier results.
   */
  async threadRoots(roomId: string, options: { before?: number; limit: number; participant?: string }): Promise<Array<{ rootId: string; latestOrdering: number }>> {
    let query = this.db.selectFrom('events')
      .select(['relates_to_id', (eb) => eb.fn.max('stream_ordering').as('latest')])
      .where('room_id', '=', roomId).where('rel_type', '=', 'm.thread')
      .groupBy('relates_to_id');
    if (options.before !== undefined) query = query.having((eb) => eb.fn.max('stream_ordering'), '<', options.before);
    const rows = await query.orderBy('latest', 'desc').execute();
    let roots = rows.filter((row) => row.relates_to_id !== null).map((row) => ({ rootId: row.relates_to_id as string, latestOrdering: Number(row.latest) }));
    if (options.participant !== undefined) {
      const participated = await this.participatedThreads(roomId, options.participant);
      roots = roots.filter((root) => participated.has(root.rootId));
    }
    return roots.slice(0, options.limit);
  }

  /** Threads of the room that the user started or replied to. */
  private async participatedThreads(roomId: string, userId: string): Promise<Set<string>> {
    const replies = await this.db.selectFrom('events').select('relates_to_id')
      .where('room_id', '=', roomId).where('rel_type', '=', 'm.thread').where('sender', '=', userId)
      .execute();
    const roots = await this.db.selectFrom('events as root').select('root.event_id')
      .where('root.room_id', '=', roomId).where('root.sender', '=', userId)
      .where(({ exists, selectFrom }) => exists(
        selectFrom('events as reply').select('reply.event_id')
          .whereRef('reply.relates_to_id', '=', 'root.event_id').where('reply.rel_type', '=', 'm.thread'),
      ))
      .execute();
    return new Set([...replies.map((row) => row.relates_to_id as string), ...roots.map((row) => row.event_id)]);
  }
}

function annotationKey(event: { content?: { 'm.relates_to'?: { key?: unknown } } }): unknown {
  return event.content?.['m.relates_to']?.key;
}

export function toRelatedEvent(row: Parameters<typeof toStoredEvent>[0]): RelatedEvent {
  return { ...toStoredEvent(row), relatesToId: row.relates_to_id, relType: row.rel_type };
}
