import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from './database.js';
import { toStoredEvent, type StoredEvent } from './events.js';

// Left rooms per query, far below SQLite's maximum expression depth.
const BOUNDED_SCOPES_PER_QUERY = 200;

/** A room to search, up to the newest stream position the searching user may see there. */
export interface SearchScope {
  roomId: string;
  /** Infinity while the user is joined. */
  upTo: number;
}

export interface CandidateQuery {
  scopes: readonly SearchScope[];
  types: readonly string[];
  /** Lower-cased words made of letters and digits only, so they need no LIKE or JSON escaping. */
  words: readonly string[];
  /** Only events at stream positions below this one. */
  before?: number;
  limit: number;
}

/**
 * Reads for server-side search. The query runs the same on SQLite and PostgreSQL: a
 * LIKE for each word over the lower-cased event JSON narrows the rows, and the search
 * service then checks the words against the searched keys only.
 * NOTE: SQLite's lower() folds ASCII letters only, so on SQLite a word whose case differs in a
 * non-ASCII letter ("Ä" against "ä") is not found.
 */
export class SearchStore {
  constructor(private readonly db: Db) {}

  /** Returns unredacted events of the types that contain every word somewhere in their JSON, newest first. */
  async findCandidates(query: CandidateQuery): Promise<StoredEvent[]> {
    if (query.scopes.length === 0 || query.types.length === 0) return [];
    const unbounded = query.scopes.filter((scope) => scope.upTo === Infinity);
    const bounded = query.scopes.filter((scope) => scope.upTo !== Infinity);
    // Joined rooms go into one IN list. Left rooms each need their own limit, and SQLite parses a
    // chain of OR conditions as nested expressions with a maximum depth of 1000 (its default), so
    // they are queried in chunks and the newest rows of all queries kept.
    const chunks: SearchScope[][] = unbounded.length > 0 ? [unbounded] : [];
    for (let start = 0; start < bounded.length; start += BOUNDED_SCOPES_PER_QUERY) chunks.push(bounded.slice(start, start + BOUNDED_SCOPES_PER_QUERY));
    const results = await Promise.all(chunks.map((chunk) => this.findInScopes(chunk, query)));
    return results.flat().sort((a, b) => b.streamOrdering - a.streamOrdering).slice(0, query.limit);
  }

  private async findInScopes(scopes: readonly SearchScope[], query: CandidateQuery): Promise<StoredEvent[]> {
    let select = this.db.selectFrom('events').selectAll()
      .where('type', 'in', [...query.types])
      .where('redacted_by', 'is', null)
      .where((eb) => eb.or(scopes.map((scope): Expression<SqlBool> => {
        if (scope.upTo === Infinity) return eb('room_id', '=', scope.roomId);
        return eb.and([eb('room_id', '=', scope.roomId), eb('stream_ordering', '<=', scope.upTo)]);
      })));
    for (const word of query.words) select = select.where(sql<boolean>`lower(event_json) like ${`%${word}%`}`);
    if (query.before !== undefined) select = select.where('stream_ordering', '<', query.before);
    const rows = await select.orderBy('stream_ordering', 'desc').limit(query.limit).execute();
    return rows.map(toStoredEvent);
  }

  /** Returns each user's newest member event in the room at or before `position`, by user id. */
  async memberEventsAt(roomId: string, userIds: readonly string[], position: number): Promise<Map<string, StoredEvent>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('events').selectAll()
      .where('room_id', '=', roomId).where('type', '=', 'm.room.member')
      .where('state_key', 'in', [...userIds]).where('stream_ordering', '<=', position)
      .orderBy('stream_ordering', 'desc')
      .execute();
    const latest = new Map<string, StoredEvent>();
    for (const row of rows) {
      if (row.state_key !== null && !latest.has(row.state_key)) latest.set(row.state_key, toStoredEvent(row));
    }
    return latest;
  }
}
