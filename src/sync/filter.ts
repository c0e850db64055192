import { MatrixError } from '../core/errors.js';

/** A RoomEventFilter or EventFilter as the spec defines it; every field is optional. */
export interface EventFilter {
  limit?: number;
  types?: string[];
  not_types?: string[];
  senders?: string[];
  not_senders?: string[];
  rooms?: string[];
  not_rooms?: string[];
  contains_url?: boolean;
  lazy_load_members?: boolean;
  include_redundant_members?: boolean;
  /** Whether /sync splits unread counts per thread into `unread_thread_notifications`. */
  unread_thread_notifications?: boolean;
}

export interface RoomFilter {
  rooms?: string[];
  not_rooms?: string[];
  include_leave?: boolean;
  timeline?: EventFilter;
  state?: EventFilter;
  ephemeral?: EventFilter;
  account_data?: EventFilter;
}

export interface SyncFilter {
  event_fields?: string[];
  event_format?: 'client' | 'federation';
  presence?: EventFilter;
  account_data?: EventFilter;
  room?: RoomFilter;
}

/** Checks the shape of an uploaded filter, so a stored filter never breaks a later /sync. */
export function validateSyncFilter(value: unknown): SyncFilter {
  if (!isObject(value)) throw new MatrixError('M_BAD_JSON', 'The filter must be a JSON object.');
  for (const key of ['presence', 'account_data'] as const) validateEventFilter(value[key], key);
  if (value.room !== undefined) {
    if (!isObject(value.room)) throw new MatrixError('M_BAD_JSON', 'filter.room must be an object.');
    const room = value.room;
    checkStringList(room.rooms, 'room.rooms');
    checkStringList(room.not_rooms, 'room.not_rooms');
    if (room.include_leave !== undefined && typeof room.include_leave !== 'boolean') throw new MatrixError('M_BAD_JSON', 'room.include_leave must be a boolean.');
    for (const key of ['timeline', 'state', 'ephemeral', 'account_data'] as const) validateEventFilter(room[key], `room.${key}`);
  }
  checkStringList(value.event_fields, 'event_fields');
  if (value.event_format !== undefined && value.event_format !== 'client' && value.event_format !== 'federation') {
    throw new MatrixError('M_BAD_JSON', 'event_format must be "client" or "federation".');
  }
  return value as SyncFilter;
}

export function validateEventFilter(value: unknown, name: string): EventFilter | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new MatrixError('M_BAD_JSON', `${name} must be an object.`);
  if (value.limit !== undefined && (typeof value.limit !== 'number' || !Number.isInteger(value.limit) || value.limit < 0)) {
    throw new MatrixError('M_BAD_JSON', `${name}.limit must be a non-negative integer.`);
  }
  for (const key of ['types', 'not_types', 'senders', 'not_senders', 'rooms', 'not_rooms']) checkStringList(value[key], `${name}.${key}`);
  for (const key of ['contains_url', 'lazy_load_members', 'include_redundant_members', 'unread_thread_notifications']) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') throw new MatrixError('M_BAD_JSON', `${name}.${key} must be a boolean.`);
  }
  return value as EventFilter;
}

/** Whether an event passes the filter's type, sender and URL conditions. Types may end in `*`. */
export function matchesEventFilter(filter: EventFilter | undefined, event: { type: string; sender: string; content?: unknown }): boolean {
  if (!filter) return true;
  if (filter.not_types?.some((pattern) => matchesType(pattern, event.type))) return false;
  if (filter.types && !filter.types.some((pattern) => matchesType(pattern, event.type))) return false;
  if (filter.not_senders?.includes(event.sender)) return false;
  if (filter.senders && !filter.senders.includes(event.sender)) return false;
  if (filter.contains_url !== undefined) {
    const hasUrl = isObject(event.content) && typeof event.content.url === 'string';
    if (hasUrl !== filter.contains_url) return false;
  }
  return true;
}

export function matchesRoomFilter(filter: { rooms?: string[]; not_rooms?: string[] } | undefined, roomId: string): boolean {
  if (!filter) return true;
  if (filter.not_rooms?.includes(roomId)) return false;
  return !filter.rooms || filter.rooms.includes(roomId);
}

function matchesType(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

function checkStringList(value: unknown, name: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new MatrixError('M_BAD_JSON', `${name} must be a list of strings.`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
