/**
 * Reading `m.room.power_levels` and `m.room.create` state: user power levels, the levels that
 * events and membership changes require, and room creators.
 */
import { stateKey, type AuthEvent, type AuthState } from './auth-types.js';
import type { RoomVersion } from './room-versions.js';

/** Names of the power levels given by top-level integer properties of `m.room.power_levels`. */
export type NamedLevel = 'users_default' | 'events_default' | 'state_default' | 'ban' | 'kick' | 'redact' | 'invite';

export const NAMED_LEVELS: readonly NamedLevel[] = ['users_default', 'events_default', 'state_default', 'ban', 'redact', 'kick', 'invite'];

/** Defaults from the `m.room.power_levels` schema, used when the property or the whole event is absent. */
const DEFAULT_LEVELS: Record<NamedLevel, number> = {
  users_default: 0,
  events_default: 0,
  state_default: 50,
  ban: 50,
  kick: 50,
  redact: 50,
  invite: 0,
};

/** Power level of the creator in versions before 12 while the room has no `m.room.power_levels` event. */
const CREATOR_DEFAULT_LEVEL = 100;

/** A string integer as versions 1 to 9 accept it: optional sign, digits, optional surrounding whitespace. */
const STRING_INTEGER_PATTERN = /^\s*[+-]?\d+\s*$/;

/**
 * Parses one power level value under the room version's rules, returning undefined when the
 * value is not acceptable. Version 10 on accepts only integers. Versions 1 to 9 also accept
 * strings such as `" +50 "`, and versions 1 to 5 accept floats, which are truncated.
 */
export function parsePowerLevelValue(value: unknown, version: RoomVersion): number | undefined {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return Number.isSafeInteger(value) ? value : undefined;
    return version.floatPowerLevels && Number.isFinite(value) ? Math.trunc(value) : undefined;
  }
  if (typeof value === 'string' && !version.integerPowerLevels && STRING_INTEGER_PATTERN.test(value)) {
    const parsed = Number.parseInt(value.trim(), 10);
    return Number.isSafeInteger(parsed) ? parsed : undefined;
  }
  return undefined;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function powerLevelsContent(state: AuthState): Record<string, unknown> | undefined {
  return state.get(stateKey('m.room.power_levels', ''))?.content;
}

/**
 * Returns the room creators: `content.creator` of the create event in versions 1 to 10, its
 * `sender` from version 11, plus the strings in `content.additional_creators` in version 12.
 */
export function roomCreators(createEvent: AuthEvent, version: RoomVersion): Set<string> {
  if (version.creatorInContent) {
    const creator = createEvent.content['creator'];
    return new Set(typeof creator === 'string' ? [creator] : []);
  }
  const creators = new Set([createEvent.sender]);
  const additional = createEvent.content['additional_creators'];
  if (version.infiniteCreatorPower && Array.isArray(additional)) {
    for (const userId of additional) {
      if (typeof userId === 'string') creators.add(userId);
    }
  }
  return creators;
}

/**
 * Returns a named level from the current power levels, or its default when the property or the
 * event is absent. A value the room version does not accept also falls back to the default,
 * because the auth rules keep such values out of accepted power level events.
 */
export function namedLevel(name: NamedLevel, state: AuthState, version: RoomVersion): number {
  const content = powerLevelsContent(state);
  return parsePowerLevelValue(content?.[name], version) ?? DEFAULT_LEVELS[name];
}

/**
 * Returns the power level of a user: infinite for creators in version 12, otherwise their entry
 * in `users` or `users_default`. Without a power levels event, the creator has 100 and everyone
 * else 0.
 */
export function powerLevelOf(userId: string, state: AuthState, version: RoomVersion, createEvent: AuthEvent): number {
  if (version.infiniteCreatorPower && roomCreators(createEvent, version).has(userId)) {
    return Number.POSITIVE_INFINITY;
  }
  const content = powerLevelsContent(state);
  if (content === undefined) {
    return !version.infiniteCreatorPower && roomCreators(createEvent, version).has(userId) ? CREATOR_DEFAULT_LEVEL : DEFAULT_LEVELS.users_default;
  }
  const users = asObject(content['users']);
  const own = users !== undefined && Object.hasOwn(users, userId) ? parsePowerLevelValue(users[userId], version) : undefined;
  return own ?? namedLevel('users_default', state, version);
}

/**
 * Returns the level required to send an event of this type: its entry in `events`, otherwise
 * `state_default` for state events and `events_default` for others.
 */
export function requiredLevelForEvent(type: string, isState: boolean, state: AuthState, version: RoomVersion): number {
  const events = asObject(powerLevelsContent(state)?.['events']);
  const specific = events !== undefined && Object.hasOwn(events, type) ? parsePowerLevelValue(events[type], version) : undefined;
  return specific ?? namedLevel(isState ? 'state_default' : 'events_default', state, version);
}
