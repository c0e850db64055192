/**
 * The authorisation rules of room versions 1 to 12 as pure functions. Callers supply the state
 * to check against (the event's auth events, the state before it, or the current state) and the
 * room's create event. Checking that the sender's server signed the event needs its keys, so
 * that check stays with the caller.
 */
import { checkAuthEventsList } from './auth-events-selection.js';
import { ALLOW, reject, stateKey, type AuthEvent, type AuthResult, type AuthState } from './auth-types.js';
import { computeRoomIdFromCreateEvent } from './event-format.js';
import { isValidUserId, serverNameOf } from './identifiers.js';
import { checkMembershipEvent, type ServerSignatureCheck } from './membership-auth.js';
import { checkPowerLevelsEvent } from './power-levels-auth.js';
import { namedLevel, powerLevelOf, requiredLevelForEvent } from './power-levels.js';
import { getRoomVersion, type RoomVersion } from './room-versions.js';

export { authEventKeys, checkAuthEventsList } from './auth-events-selection.js';
export { stateKey, type AuthEvent, type AuthResult, type AuthState } from './auth-types.js';
export type { ServerSignatureCheck } from './membership-auth.js';
export { namedLevel, parsePowerLevelValue, powerLevelOf, requiredLevelForEvent, roomCreators, type NamedLevel } from './power-levels.js';

export interface AuthOptions {
  /**
   * The event's auth events. When given, the rule on `auth_events` (no duplicates, only selected
   * pairs, a create event before version 12, same room) is applied too.
   */
  authEvents?: readonly AuthEvent[];
  /**
   * Checks a server's signature on the event, for `join_authorised_via_users_server`. Without it
   * only the presence of a signature from that server is checked.
   */
  isSignedByServer?: ServerSignatureCheck;
}

/** Default signature check: a signature from the server is present. */
// TODO: this default does not verify the signature, because the server's keys live outside the
// core. Callers handling remote joins must pass `isSignedByServer`.
function hasSignatureFrom(event: AuthEvent, serverName: string): boolean {
  const signatures = event.signatures?.[serverName];
  return signatures !== undefined && Object.keys(signatures).length > 0;
}

function domainOf(id: unknown): string | undefined {
  return typeof id === 'string' ? serverNameOf(id) : undefined;
}

function checkCreateEvent(event: AuthEvent, version: RoomVersion): AuthResult {
  if ((event.prev_events ?? []).length > 0) return reject('create event has prev_events');
  if (version.roomIdFromCreateEvent) {
    if (event.room_id !== undefined) return reject('create event has a room_id');
  } else if (domainOf(event.room_id) === undefined || domainOf(event.room_id) !== domainOf(event.sender)) {
    return reject('create event room_id domain does not match the sender domain');
  }
  const roomVersion = event.content['room_version'];
  if (roomVersion !== undefined && (typeof roomVersion !== 'string' || getRoomVersion(roomVersion) === undefined)) {
    return reject(`create event names unknown room version ${JSON.stringify(roomVersion)}`);
  }
  if (version.infiniteCreatorPower && Object.hasOwn(event.content, 'additional_creators')) {
    const additional = event.content['additional_creators'];
    if (!Array.isArray(additional) || !additional.every((userId) => typeof userId === 'string' && isValidUserId(userId))) {
      return reject('create event additional_creators is not an array of valid user ids');
    }
  }
  if (version.creatorInContent && !Object.hasOwn(event.content, 'creator')) {
    return reject('create event content has no creator');
  }
  return ALLOW;
}

/** Applies the rules every non-create event passes before the type-specific rules. */
function checkRoomMembershipOfEvent(event: AuthEvent, version: RoomVersion, createEvent: AuthEvent, options: AuthOptions): AuthResult {
  if (createEvent.type !== 'm.room.create') return reject('the given create event is not of type m.room.create');
  if (version.roomIdFromCreateEvent) {
    if (createEvent.room_id !== undefined) return reject('the given create event has a room_id');
    if (event.room_id !== computeRoomIdFromCreateEvent(createEvent, version)) {
      return reject("room_id is not the id of the room's create event");
    }
  } else if (createEvent.room_id !== event.room_id) {
    return reject('create event belongs to another room');
  }
  if (options.authEvents !== undefined) {
    const authEventsResult = checkAuthEventsList(event, options.authEvents, version);
    if (!authEventsResult.allowed) return authEventsResult;
  }
  if (createEvent.content['m.federate'] === false && domainOf(event.sender) !== domainOf(createEvent.sender)) {
    return reject('room does not federate and the sender is on another server');
  }
  return ALLOW;
}

/** Applies the rule for `m.room.aliases` of room versions 1 to 5: the state key is the sender's server. */
function checkAliasesEvent(event: AuthEvent): AuthResult {
  if (typeof event.state_key !== 'string') return reject('m.room.aliases event has no state_key');
  if (domainOf(event.sender) !== event.state_key) return reject('m.room.aliases state_key is not the sender domain');
  return ALLOW;
}

/** Applies the redaction rule of room versions 1 and 2: redact level, or both ids from the same server. */
function checkRedactionEvent(event: AuthEvent, state: AuthState, version: RoomVersion, createEvent: AuthEvent): AuthResult {
  if (powerLevelOf(event.sender, state, version, createEvent) >= namedLevel('redact', state, version)) return ALLOW;
  const redactedDomain = domainOf(event.redacts);
  if (redactedDomain !== undefined && redactedDomain === domainOf(event.event_id)) return ALLOW;
  return reject('redaction: sender is below the redact level and the redacted event is from another server');
}

/**
 * Applies the authorisation rules of the room version to an event against `state`, whose keys
 * come from `stateKey(type, state_key)`. `createEvent` is the room's `m.room.create` event, which
 * from version 12 on is not part of the auth events. The rule rejecting events whose auth events
 * were rejected, and the check of the sender server's signature, stay with the caller.
 */
export function checkEventAuth(event: AuthEvent, state: AuthState, version: RoomVersion, createEvent: AuthEvent, options: AuthOptions = {}): AuthResult {
  if (event.type === 'm.room.create') return checkCreateEvent(event, version);

  const roomCheck = checkRoomMembershipOfEvent(event, version, createEvent, options);
  if (!roomCheck.allowed) return roomCheck;

  if (version.specialCaseAliasesAuth && event.type === 'm.room.aliases') return checkAliasesEvent(event);

  if (event.type === 'm.room.member') {
    return checkMembershipEvent({ event, state, version, createEvent, isSignedByServer: options.isSignedByServer ?? hasSignatureFrom });
  }

  if (state.get(stateKey('m.room.member', event.sender))?.content['membership'] !== 'join') {
    return reject('sender is not joined to the room');
  }

  const senderLevel = powerLevelOf(event.sender, state, version, createEvent);
  if (event.type === 'm.room.third_party_invite') {
    return senderLevel >= namedLevel('invite', state, version) ? ALLOW : reject('third-party invite: sender is below the invite level');
  }

  const isState = typeof event.state_key === 'string';
  if (requiredLevelForEvent(event.type, isState, state, version) > senderLevel) {
    return reject(`sender is below the level required to send ${event.type}`);
  }
  if (isState && event.state_key?.startsWith('@') === true && event.state_key !== event.sender) {
    return reject('state_key starts with @ and is not the sender');
  }

  if (event.type === 'm.room.power_levels') return checkPowerLevelsEvent(event, state, version, createEvent);
  if (version.redactionAuthRule && event.type === 'm.room.redaction') return checkRedactionEvent(event, state, version, createEvent);
  return ALLOW;
}
