/**
 * Auth events selection: which current state events a new event cites in `auth_events`, and the
 * authorisation rule that checks an event's `auth_events` against that selection.
 */
import { ALLOW, reject, stateKey, type AuthEvent, type AuthResult } from './auth-types.js';
import type { RoomVersion } from './room-versions.js';

/** Returns the token of a third-party invite member event, or undefined. */
function thirdPartyInviteToken(content: Record<string, unknown>): string | undefined {
  const invite = content['third_party_invite'];
  if (typeof invite !== 'object' || invite === null) return undefined;
  const signed = (invite as Record<string, unknown>)['signed'];
  if (typeof signed !== 'object' || signed === null) return undefined;
  const token = (signed as Record<string, unknown>)['token'];
  return typeof token === 'string' ? token : undefined;
}

/**
 * Returns the (type, state_key) pairs whose current state events are the auth events of a new
 * event. The create event has none, and from room version 12 the create event is never selected
 * because the room id already names it.
 */
export function authEventKeys(
  event: { type: string; state_key?: string; sender: string; content: Record<string, unknown> },
  version: RoomVersion,
): Array<[string, string]> {
  if (event.type === 'm.room.create') return [];

  const keys: Array<[string, string]> = [];
  if (version.createEventInAuthEvents) keys.push(['m.room.create', '']);
  keys.push(['m.room.power_levels', '']);
  keys.push(['m.room.member', event.sender]);

  if (event.type === 'm.room.member' && typeof event.state_key === 'string') {
    const membership = event.content['membership'];
    keys.push(['m.room.member', event.state_key]);
    if (membership === 'join' || membership === 'invite' || membership === 'knock') {
      keys.push(['m.room.join_rules', '']);
    }
    const token = membership === 'invite' ? thirdPartyInviteToken(event.content) : undefined;
    if (token !== undefined) keys.push(['m.room.third_party_invite', token]);
    const authoriser = event.content['join_authorised_via_users_server'];
    if (membership === 'join' && typeof authoriser === 'string' && version.restrictedJoin) {
      keys.push(['m.room.member', authoriser]);
    }
  }

  const unique = new Map(keys.map((key) => [stateKey(key[0], key[1]), key]));
  return [...unique.values()];
}

/**
 * Applies the authorisation rule on an event's `auth_events`: no duplicate (type, state_key)
 * pairs, no entries outside the auth events selection, a create event among them before room
 * version 12, and the same `room_id` as the event.
 */
export function checkAuthEventsList(event: AuthEvent, authEvents: readonly AuthEvent[], version: RoomVersion): AuthResult {
  const allowed = new Set(authEventKeys(event, version).map(([type, key]) => stateKey(type, key)));
  const seen = new Set<string>();
  let hasCreate = false;

  for (const authEvent of authEvents) {
    if (typeof authEvent.state_key !== 'string') {
      return reject(`auth event of type ${authEvent.type} is not a state event`);
    }
    const key = stateKey(authEvent.type, authEvent.state_key);
    if (seen.has(key)) {
      return reject(`auth_events contains ${authEvent.type} with state key ${JSON.stringify(authEvent.state_key)} twice`);
    }
    seen.add(key);
    if (!allowed.has(key)) {
      return reject(`auth_events contains ${authEvent.type} with state key ${JSON.stringify(authEvent.state_key)}, which the auth events selection does not select`);
    }
    if (authEvent.type === 'm.room.create') hasCreate = true;
    if (authEvent.room_id !== event.room_id) {
      return reject(`auth event of type ${authEvent.type} belongs to room ${String(authEvent.room_id)}, not ${String(event.room_id)}`);
    }
  }

  if (version.createEventInAuthEvents && !hasCreate) {
    return reject('auth_events contains no m.room.create event');
  }
  // NOTE: the rule that rejects events whose auth events were themselves rejected needs stored
  // rejection status, so callers apply it before calling this.
  return ALLOW;
}
