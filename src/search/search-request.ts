import { MatrixError } from '../core/errors.js';
import { validateEventFilter, type EventFilter } from '../sync/filter.js';
import { SEARCH_KEYS, searchWords, type SearchKey } from './text-match.js';

/** The `room_events` criteria of a search request, checked and with defaults applied. */
export interface RoomEventsCriteria {
  words: string[];
  keys: SearchKey[];
  filter: EventFilter | undefined;
  orderBy: 'rank' | 'recent';
  /** Results per page: the filter's `limit`, capped. */
  limit: number;
  context: { beforeLimit: number; afterLimit: number; includeProfile: boolean } | undefined;
  includeState: boolean;
  groupBy: Array<'room_id' | 'sender'>;
}

// Each word adds a condition to the search query, so the count is bounded.
const MAX_TERM_WORDS = 20;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 50;
// The spec's default context size on each side; the maximum keeps one page's reads bounded.
const DEFAULT_CONTEXT_LIMIT = 5;
const MAX_CONTEXT_LIMIT = 20;

/** Checks a search request body; throws 400 M_BAD_JSON or M_INVALID_PARAM naming the bad field. */
export function parseSearchRequest(body: { search_categories: Record<string, unknown> }): RoomEventsCriteria {
  for (const category of Object.keys(body.search_categories)) {
    if (category !== 'room_events') throw badJson(`Unknown search category "${category}"; this server searches room_events only.`);
  }
  const criteria = body.search_categories.room_events;
  if (criteria === undefined) throw badJson('search_categories.room_events is required.');
  if (!isObject(criteria)) throw badJson('search_categories.room_events must be an object.');

  if (typeof criteria.search_term !== 'string') throw badJson('room_events.search_term must be a string.');
  const words = searchWords(criteria.search_term);
  if (words.length === 0) {
    throw new MatrixError('M_INVALID_PARAM', 'room_events.search_term must contain at least one word of letters or digits.');
  }
  if (words.length > MAX_TERM_WORDS) {
    throw new MatrixError('M_INVALID_PARAM', `room_events.search_term has ${words.length} words; use at most ${MAX_TERM_WORDS}.`);
  }
  const filter = validateEventFilter(criteria.filter, 'room_events.filter');
  return {
    words: [...new Set(words)],
    keys: parseKeys(criteria.keys),
    filter,
    orderBy: parseOrder(criteria.order_by),
    limit: Math.min(Math.max(filter?.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT),
    context: parseContext(criteria.event_context),
    includeState: parseBoolean(criteria.include_state, 'include_state') ?? false,
    groupBy: parseGroupings(criteria.groupings),
  };
}

function parseKeys(value: unknown): SearchKey[] {
  if (value === undefined) return [...SEARCH_KEYS];
  if (!Array.isArray(value)) throw badJson('room_events.keys must be a list.');
  for (const key of value) {
    if (!SEARCH_KEYS.includes(key as SearchKey)) throw badJson(`room_events.keys contains "${String(key)}"; use ${SEARCH_KEYS.join(', ')}.`);
  }
  return value as SearchKey[];
}

function parseOrder(value: unknown): 'rank' | 'recent' {
  if (value === undefined) return 'rank';
  if (value !== 'rank' && value !== 'recent') throw badJson('room_events.order_by must be "rank" or "recent".');
  return value;
}

function parseContext(value: unknown): RoomEventsCriteria['context'] {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw badJson('room_events.event_context must be an object.');
  return {
    beforeLimit: parseContextLimit(value.before_limit, 'before_limit'),
    afterLimit: parseContextLimit(value.after_limit, 'after_limit'),
    includeProfile: parseBoolean(value.include_profile, 'event_context.include_profile') ?? false,
  };
}

function parseContextLimit(value: unknown, name: string): number {
  if (value === undefined) return DEFAULT_CONTEXT_LIMIT;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw badJson(`room_events.event_context.${name} must be a non-negative integer.`);
  return Math.min(value, MAX_CONTEXT_LIMIT);
}

function parseGroupings(value: unknown): Array<'room_id' | 'sender'> {
  if (value === undefined) return [];
  const groupBy = isObject(value) ? value.group_by : undefined;
  if (!isObject(value) || (groupBy !== undefined && !Array.isArray(groupBy))) throw badJson('room_events.groupings.group_by must be a list.');
  const keys: Array<'room_id' | 'sender'> = [];
  for (const group of groupBy ?? []) {
    const key = isObject(group) ? group.key : undefined;
    if (key !== 'room_id' && key !== 'sender') throw badJson('Each room_events.groupings.group_by entry needs "key": "room_id" or "sender".');
    if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}

function parseBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw badJson(`room_events.${name} must be a boolean.`);
  return value;
}

function badJson(message: string): MatrixError {
  return new MatrixError('M_BAD_JSON', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
