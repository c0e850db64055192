import { MatrixError } from '../core/errors.js';
import type { ClientEvent } from '../rooms/client-event.js';
import type { EventFormatter } from '../rooms/event-formatter.js';
import type { RoomReader, Viewer } from '../rooms/room-reader.js';
import type { EventStore, StoredEvent } from '../storage/events.js';
import type { SearchScope, SearchStore } from '../storage/search.js';
import { matchesEventFilter, matchesRoomFilter } from '../sync/filter.js';
import type { RoomEventsCriteria } from './search-request.js';
import { formatSearchToken, parseSearchToken, type SearchPosition } from './search-token.js';
import { KEY_EVENT_TYPES, matchTexts, searchableTexts } from './text-match.js';
import { SearchContextReader, type SearchContext } from './search-context.js';

export interface SearchResult {
  rank: number;
  result: ClientEvent;
  context?: SearchContext;
}

export interface RoomEventsResults {
  results: SearchResult[];
  count: number;
  highlights: string[];
  next_batch?: string;
  state?: Record<string, ClientEvent[]>;
  groups?: Record<string, Record<string, { results: string[]; order: number; next_batch?: string }>>;
}

interface Match {
  event: StoredEvent;
  rank: number;
  matchedWords: string[];
}

// Rows read per query while collecting matches.
const SCAN_BATCH = 200;
// One request stops after this many matches or candidate rows. Pages by recency continue past
// the stop. NOTE: ranked results beyond what one scan finds are not reachable, and `count` then
// counts only those found.
const MAX_MATCHES = 500;
const MAX_SCANNED_ROWS = 5000;

/**
 * Server-side search over the `room_events` category: message bodies, room names and topics in
 * the rooms the user is joined to, and in rooms they left up to the moment they left, as /messages
 * shows them. Encrypted messages have no body to match.
 */
export class SearchService {
  private readonly contexts: SearchContextReader;

  constructor(
    private readonly events: EventStore,
    private readonly search: SearchStore,
    private readonly reader: RoomReader,
    private readonly formatter: EventFormatter,
  ) {
    this.contexts = new SearchContextReader(events, search, formatter);
  }

  async searchRoomEvents(viewer: Viewer, criteria: RoomEventsCriteria, nextBatch: string | undefined): Promise<RoomEventsResults> {
    const position = nextBatch === undefined ? undefined : parseSearchToken(nextBatch, criteria.orderBy);
    const scopes = await this.visibleScopes(viewer.userId, criteria);
    const before = position?.orderBy === 'recent' ? position.before : undefined;
    const { matches, unscannedBelow } = await this.collectMatches(scopes, criteria, before);
    if (criteria.orderBy === 'rank') matches.sort((a, b) => b.rank - a.rank || b.event.streamOrdering - a.event.streamOrdering);

    const { page, next, count } = paginate(matches, criteria, position, unscannedBelow);
    const formatted = await this.formatEvents(page.map((match) => match.event), viewer);
    const results: SearchResult[] = [];
    for (const [index, match] of page.entries()) {
      const result: SearchResult = { rank: match.rank, result: formatted[index]! };
      if (criteria.context) {
        const scope = scopes.find((candidate) => candidate.roomId === match.event.roomId)!;
        result.context = await this.contexts.around(viewer, match.event, scope, criteria.context, criteria.filter);
      }
      results.push(result);
    }

    const body: RoomEventsResults = { results, count, highlights: highlights(criteria.words, page) };
    if (next) body.next_batch = formatSearchToken(next);
    if (criteria.includeState) body.state = await this.roomStates(viewer, page);
    if (criteria.groupBy.length > 0) body.groups = groupResults(page, criteria.groupBy, body.next_batch);
    return body;
  }

  /** Lists the rooms the user may search and how far: every joined room, and left rooms up to the leave. */
  private async visibleScopes(userId: string, criteria: RoomEventsCriteria): Promise<SearchScope[]> {
    const memberships = await this.events.getRoomsForUser(userId, ['join', 'leave', 'ban']);
    const scopes: SearchScope[] = [];
    for (const membership of memberships) {
      if (!matchesRoomFilter(criteria.filter, membership.roomId)) continue;
      try {
        scopes.push({ roomId: membership.roomId, upTo: await this.reader.visibleUpTo(userId, membership.roomId) });
      } catch (error) {
        // A room the user left without ever joining (a rejected invite) has nothing to search.
        if (!(error instanceof MatrixError && error.errcode === 'M_FORBIDDEN')) throw error;
      }
    }
    return scopes;
  }

  /**
   * Collects matching events newest first, reading candidate rows in batches up to the caps.
   * `unscannedBelow` is set when a cap stopped the scan: rows below that position were not read.
   */
  private async collectMatches(
    scopes: SearchScope[], criteria: RoomEventsCriteria, before: number | undefined,
  ): Promise<{ matches: Match[]; unscannedBelow: number | undefined }> {
    const types = [...new Set(criteria.keys.map((key) => KEY_EVENT_TYPES[key]))];
    const matches: Match[] = [];
    let scanned = 0;
    let cursor = before;
    for (;;) {
      if (matches.length >= MAX_MATCHES || scanned >= MAX_SCANNED_ROWS) return { matches: matches.slice(0, MAX_MATCHES), unscannedBelow: cursor };
      const batch = await this.search.findCandidates({ scopes, types, words: criteria.words, before: cursor, limit: SCAN_BATCH });
      for (const event of batch) {
        const content = event.json.content;
        if (!matchesEventFilter(criteria.filter, { type: event.type, sender: event.sender, content })) continue;
        const match = matchTexts(criteria.words, searchableTexts(event.type, content, criteria.keys));
        if (match) matches.push({ event, ...match });
      }
      scanned += batch.length;
      if (batch.length < SCAN_BATCH) return { matches, unscannedBelow: undefined };
      cursor = batch.at(-1)!.streamOrdering;
    }
  }

  /** Formats events of several rooms, each with its room's version, keeping their order. */
  private async formatEvents(events: StoredEvent[], viewer: Viewer): Promise<ClientEvent[]> {
    const formatted = new Map<string, ClientEvent>();
    for (const roomId of new Set(events.map((event) => event.roomId))) {
      const roomVersion = (await this.events.getRoom(roomId))?.roomVersion;
      const inRoom = events.filter((event) => event.roomId === roomId);
      const clientEvents = await this.formatter.format(inRoom, viewer, { includeRoomId: true, roomVersion });
      inRoom.forEach((event, index) => formatted.set(event.eventId, clientEvents[index]!));
    }
    return events.map((event) => formatted.get(event.eventId)!);
  }

  private async roomStates(viewer: Viewer, page: Match[]): Promise<Record<string, ClientEvent[]>> {
    const state: Record<string, ClientEvent[]> = {};
    for (const roomId of new Set(page.map((match) => match.event.roomId))) state[roomId] = await this.reader.getState(viewer, roomId);
    return state;
  }
}

/**
 * Cuts one page from the matches. By recency, a scan that a cap stopped continues on the next
 * page below the rows it did not read, so older matches stay reachable.
 * NOTE: no test scans the 5000 rows that reach the cap, so that continuation is untested.
 */
function paginate(
  matches: Match[], criteria: RoomEventsCriteria, position: SearchPosition | undefined, unscannedBelow: number | undefined,
): { page: Match[]; next: SearchPosition | undefined; count: number } {
  if (criteria.orderBy === 'recent') {
    const returned = position?.orderBy === 'recent' ? position.returned : 0;
    const page = matches.slice(0, criteria.limit);
    const last = page.at(-1);
    let next: SearchPosition | undefined;
    if (matches.length > page.length && last) next = { orderBy: 'recent', before: last.event.streamOrdering, returned: returned + page.length };
    else if (unscannedBelow !== undefined) next = { orderBy: 'recent', before: unscannedBelow, returned: returned + page.length };
    return { page, next, count: returned + matches.length };
  }
  const offset = position?.orderBy === 'rank' ? position.offset : 0;
  const page = matches.slice(offset, offset + criteria.limit);
  const next = offset + page.length < matches.length ? { orderBy: 'rank' as const, offset: offset + page.length } : undefined;
  return { page, next, count: matches.length };
}

/** Collects the term's words and the words they matched on this page, for the client to highlight. */
function highlights(words: readonly string[], page: Match[]): string[] {
  return [...new Set([...words, ...page.flatMap((match) => match.matchedWords)])];
}

/**
 * Groups the page's event ids by room or sender, numbered in order of first appearance. Each
 * group's `next_batch` is the search's own, because later pages of the whole search hold the rest
 * of every group.
 */
function groupResults(page: Match[], groupBy: Array<'room_id' | 'sender'>, nextBatch: string | undefined): RoomEventsResults['groups'] {
  const groups: NonNullable<RoomEventsResults['groups']> = {};
  for (const key of groupBy) {
    const byValue: Record<string, { results: string[]; order: number; next_batch?: string }> = {};
    for (const match of page) {
      const value = key === 'room_id' ? match.event.roomId : match.event.sender;
      byValue[value] ??= { results: [], order: Object.keys(byValue).length + 1, ...(nextBatch ? { next_batch: nextBatch } : {}) };
      byValue[value].results.push(match.event.eventId);
    }
    groups[key] = byValue;
  }
  return groups;
}
