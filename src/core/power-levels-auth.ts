/** Authorisation rules for `m.room.power_levels` events: value formats and who may change which level. */
import { ALLOW, reject, stateKey, type AuthEvent, type AuthResult, type AuthState } from './auth-types.js';
import { isValidUserId } from './identifiers.js';
import { NAMED_LEVELS, parsePowerLevelValue, powerLevelOf, roomCreators } from './power-levels.js';
import type { RoomVersion } from './room-versions.js';

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Returns the name of the first value in the map that the room version does not accept as a power level. */
function findInvalidValue(map: Record<string, unknown>, version: RoomVersion): string | undefined {
  return Object.keys(map).find((key) => parsePowerLevelValue(map[key], version) === undefined);
}

/**
 * Checks the format of new power levels content. Version 10 on requires JSON integers. Earlier
 * versions also accept integer strings, and versions 1 to 5 floats.
 */
function checkFormat(content: Record<string, unknown>, version: RoomVersion): AuthResult {
  for (const name of NAMED_LEVELS) {
    // NOTE: before version 10 the spec names no rule for malformed values. They are rejected
    // here because no power level can be read from them.
    if (Object.hasOwn(content, name) && parsePowerLevelValue(content[name], version) === undefined) {
      return reject(`power levels: ${name} is not an integer`);
    }
  }
  for (const name of ['events', 'notifications']) {
    if (!Object.hasOwn(content, name)) continue;
    const map = asRecord(content[name]);
    if (map === undefined) return reject(`power levels: ${name} is not an object`);
    const invalid = findInvalidValue(map, version);
    if (invalid !== undefined) return reject(`power levels: ${name}.${invalid} is not an integer`);
  }
  // NOTE: a missing `users` property is accepted as an empty object, as synapse/event_auth.py does.
  if (Object.hasOwn(content, 'users')) {
    const users = asRecord(content['users']);
    if (users === undefined) return reject('power levels: users is not an object');
    const badKey = Object.keys(users).find((userId) => !isValidUserId(userId));
    if (badKey !== undefined) return reject(`power levels: users key ${JSON.stringify(badKey)} is not a valid user id`);
    const invalid = findInvalidValue(users, version);
    if (invalid !== undefined) return reject(`power levels: users.${invalid} is not an integer`);
  }
  return ALLOW;
}

/** Returns the parsed value of each key in either map, undefined where a map lacks the key. */
function changedEntries(
  oldMap: Record<string, unknown>,
  newMap: Record<string, unknown>,
  version: RoomVersion,
): Array<{ key: string; oldValue: number | undefined; newValue: number | undefined }> {
  const keys = new Set([...Object.keys(oldMap), ...Object.keys(newMap)]);
  const changes = [];
  for (const key of keys) {
    const oldValue = Object.hasOwn(oldMap, key) ? parsePowerLevelValue(oldMap[key], version) : undefined;
    const newValue = Object.hasOwn(newMap, key) ? parsePowerLevelValue(newMap[key], version) : undefined;
    if (oldValue !== newValue) changes.push({ key, oldValue, newValue });
  }
  return changes;
}

/** Checks additions, changes and removals of levels against the sender's power level. */
function checkChanges(oldContent: Record<string, unknown>, newContent: Record<string, unknown>, senderId: string, senderLevel: number, version: RoomVersion): AuthResult {
  const pickNamed = (content: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(NAMED_LEVELS.filter((name) => Object.hasOwn(content, name)).map((name) => [name, content[name]]));

  for (const { key, oldValue, newValue } of changedEntries(pickNamed(oldContent), pickNamed(newContent), version)) {
    if (oldValue !== undefined && oldValue > senderLevel) return reject(`power levels: current ${key} is above the sender's level`);
    if (newValue !== undefined && newValue > senderLevel) return reject(`power levels: new ${key} is above the sender's level`);
  }

  const mapNames = version.notificationsInPowerLevelRules ? ['events', 'notifications'] : ['events'];
  for (const name of mapNames) {
    const changes = changedEntries(asRecord(oldContent[name]) ?? {}, asRecord(newContent[name]) ?? {}, version);
    for (const { key, oldValue, newValue } of changes) {
      if (oldValue !== undefined && oldValue > senderLevel) return reject(`power levels: current ${name}.${key} is above the sender's level`);
      if (newValue !== undefined && newValue > senderLevel) return reject(`power levels: new ${name}.${key} is above the sender's level`);
    }
  }

  for (const { key, oldValue, newValue } of changedEntries(asRecord(oldContent['users']) ?? {}, asRecord(newContent['users']) ?? {}, version)) {
    if (key !== senderId && oldValue !== undefined && oldValue >= senderLevel) {
      return reject(`power levels: sender cannot change the level of ${key}, which is not below their own`);
    }
    if (newValue !== undefined && newValue > senderLevel) return reject(`power levels: new level of ${key} is above the sender's level`);
  }
  return ALLOW;
}

/** Applies the authorisation rules for `m.room.power_levels` events against the current state. */
export function checkPowerLevelsEvent(event: AuthEvent, state: AuthState, version: RoomVersion, createEvent: AuthEvent): AuthResult {
  const format = checkFormat(event.content, version);
  if (!format.allowed) return format;

  if (version.infiniteCreatorPower) {
    const users = asRecord(event.content['users']) ?? {};
    const creator = [...roomCreators(createEvent, version)].find((userId) => Object.hasOwn(users, userId));
    if (creator !== undefined) return reject(`power levels: users lists room creator ${creator}`);
  }

  const current = state.get(stateKey('m.room.power_levels', ''));
  if (current === undefined) return ALLOW;
  const senderLevel = powerLevelOf(event.sender, state, version, createEvent);
  return checkChanges(current.content, event.content, event.sender, senderLevel, version);
}
