/** The push rule conditions the spec defines. Any other condition kind never matches. */
import { parsePowerLevelValue } from '../core/power-levels.js';
import { getRoomVersion, type RoomVersion } from '../core/room-versions.js';
import { compileGlob, compileLiteral, matchesWhole, matchesWords } from './glob.js';
import { lookupProperty } from './property-path.js';
import type { PushCondition } from './types.js';

/** The event fields push rules read. Conditions reach any other property through their `key`. */
export interface PushEvent {
  readonly type: string;
  readonly sender: string;
  readonly content: object;
  readonly room_id?: string;
  readonly state_key?: string;
}

/** Facts about the user and the room that conditions read besides the event. */
export interface PushContext {
  /** The user whose rules are evaluated. */
  userId: string;
  /** The user's display name in the room. An absent or empty one never matches. */
  displayName?: string | null;
  /** The number of joined members of the room. */
  memberCount: number;
  /** Content of the room's current `m.room.power_levels` event, absent when the room has none. */
  powerLevels?: Record<string, unknown>;
  /** The room version, which decides how power levels are read. Version 1 rules apply when it is absent. */
  roomVersion?: string;
  /**
   * The room's creators. They have infinite power in version 12, and before it level 100 while
   * the room has no power levels event.
   */
  roomCreators?: readonly string[];
}

/** Level needed for a `notifications` key that the power levels event does not set. */
const DEFAULT_NOTIFICATION_LEVEL = 50;

/** Power level of a creator in versions before 12 while the room has no power levels event. */
const CREATOR_DEFAULT_LEVEL = 100;

const MEMBER_COUNT_PATTERN = /^(==|<=|>=|<|>)?([0-9]+)$/;

export function conditionMatches(condition: PushCondition, event: PushEvent, context: PushContext): boolean {
  switch (condition.kind) {
    case 'event_match':
      return eventMatch(condition, event);
    case 'event_property_is':
      return eventPropertyIs(condition, event);
    case 'event_property_contains':
      return eventPropertyContains(condition, event);
    case 'contains_display_name':
      return containsDisplayName(event, context.displayName);
    case 'room_member_count':
      return roomMemberCountMatches(condition.is, context.memberCount);
    case 'sender_notification_permission':
      return typeof condition.key === 'string' && senderLevel(event.sender, context) >= notificationLevel(condition.key, context);
    default:
      return false;
  }
}

/**
 * Matches a glob against a string property: against the whole value, except for `content.body`,
 * where a match of any run of words is enough. A missing or non-string property never matches.
 */
function eventMatch(condition: PushCondition, event: PushEvent): boolean {
  const { key, pattern } = condition;
  if (typeof key !== 'string' || typeof pattern !== 'string') return false;
  const value = lookupProperty(event, key);
  if (typeof value !== 'string') return false;
  return key === 'content.body' ? matchesWords(compileGlob(pattern), value) : matchesWhole(compileGlob(pattern), value);
}

function eventPropertyIs(condition: PushCondition, event: PushEvent): boolean {
  if (typeof condition.key !== 'string' || !isScalar(condition.value)) return false;
  return lookupProperty(event, condition.key) === condition.value;
}

function eventPropertyContains(condition: PushCondition, event: PushEvent): boolean {
  if (typeof condition.key !== 'string' || !isScalar(condition.value)) return false;
  const array = lookupProperty(event, condition.key);
  return Array.isArray(array) && array.some((element) => isScalar(element) && element === condition.value);
}

/** Checks whether `content.body` contains the display name as whole words, compared case-insensitively. */
function containsDisplayName(event: PushEvent, displayName: string | null | undefined): boolean {
  if (!displayName) return false;
  const body = lookupProperty(event, 'content.body');
  return typeof body === 'string' && matchesWords(compileLiteral(displayName), body);
}

/** Compares the member count with `is`: a decimal integer, optionally after `==`, `<`, `>`, `<=` or `>=`. */
function roomMemberCountMatches(is: unknown, memberCount: number): boolean {
  if (typeof is !== 'string') return false;
  const match = MEMBER_COUNT_PATTERN.exec(is);
  if (!match) return false;
  const limit = Number(match[2]);
  switch (match[1]) {
    case '<': return memberCount < limit;
    case '>': return memberCount > limit;
    case '<=': return memberCount <= limit;
    case '>=': return memberCount >= limit;
    default: return memberCount === limit;
  }
}

/** Strings, integers in the canonical JSON range, booleans and null: the values these conditions compare. */
function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || Number.isSafeInteger(value);
}

/**
 * Returns the room's version, or version 1 when it is absent or unknown. Version 1 reads power
 * levels most leniently, and that is safe because later versions' auth rules reject the values
 * that only version 1 accepts.
 */
function contextRoomVersion(context: PushContext): RoomVersion | undefined {
  return getRoomVersion(context.roomVersion ?? '1') ?? getRoomVersion('1');
}

function parseLevel(value: unknown, context: PushContext): number | undefined {
  const version = contextRoomVersion(context);
  return version && parsePowerLevelValue(value, version);
}

function objectProperty(content: Record<string, unknown> | undefined, name: string): Record<string, unknown> | undefined {
  const value = content?.[name];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function notificationLevel(key: string, context: PushContext): number {
  const notifications = objectProperty(context.powerLevels, 'notifications');
  const configured = notifications && Object.hasOwn(notifications, key) ? parseLevel(notifications[key], context) : undefined;
  return configured ?? DEFAULT_NOTIFICATION_LEVEL;
}

function senderLevel(sender: string, context: PushContext): number {
  const isCreator = context.roomCreators?.includes(sender) ?? false;
  if (isCreator && contextRoomVersion(context)?.infiniteCreatorPower) return Number.POSITIVE_INFINITY;
  if (context.powerLevels === undefined) return isCreator ? CREATOR_DEFAULT_LEVEL : 0;

  const users = objectProperty(context.powerLevels, 'users');
  const own = users && Object.hasOwn(users, sender) ? parseLevel(users[sender], context) : undefined;
  return own ?? parseLevel(context.powerLevels['users_default'], context) ?? 0;
}
