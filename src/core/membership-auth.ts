/** Authorisation rules for `m.room.member` events: joins, invites, leaves and kicks, bans and knocks. */
import { ALLOW, reject, stateKey, type AuthEvent, type AuthResult, type AuthState } from './auth-types.js';
import { computeEventId } from './event-format.js';
import { parseUserId } from './identifiers.js';
import { signedBytes } from './json-signing.js';
import { namedLevel, powerLevelOf } from './power-levels.js';
import type { RoomVersion } from './room-versions.js';
import { verifySignature } from './signing-key.js';

/** Checks that an event carries a valid signature from a server; the caller owns the key lookup. */
export type ServerSignatureCheck = (event: AuthEvent, serverName: string) => boolean;

export interface MembershipContext {
  event: AuthEvent;
  state: AuthState;
  version: RoomVersion;
  createEvent: AuthEvent;
  isSignedByServer: ServerSignatureCheck;
}

function membershipOf(userId: string, state: AuthState): unknown {
  return state.get(stateKey('m.room.member', userId))?.content['membership'];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Returns the id of a `prev_events` entry. Entries are ids, or `[id, hashes]` pairs in versions 1 and 2. */
function prevEventId(entry: unknown): unknown {
  return Array.isArray(entry) ? entry[0] : entry;
}

/** Returns the current join rule. A room without one is treated as `invite`, as Synapse (synapse/event_auth.py) does. */
function joinRuleOf(state: AuthState): unknown {
  const joinRules = state.get(stateKey('m.room.join_rules', ''));
  // NOTE: the spec names no default join rule. Using `invite` lets invited users join rooms
  // without an m.room.join_rules event, matching Synapse.
  return joinRules === undefined ? 'invite' : (joinRules.content['join_rule'] ?? 'invite');
}

/** Returns true when the event's only previous event is the create event: the creator's first join. */
function followsOnlyCreateEvent(context: MembershipContext): boolean {
  const prevEvents = context.event.prev_events ?? [];
  if (prevEvents.length !== 1) return false;
  const { createEvent, version } = context;
  // Versions 1 and 2 carry the id in the event; a create event without one cannot match.
  if (version.eventIdFormat === 'v1' && typeof createEvent.event_id !== 'string') return false;
  return prevEventId(prevEvents[0]) === computeEventId(createEvent, version);
}

/** Returns the user whose first join the create event allows: `content.creator` before version 11, then the sender. */
function firstJoinUser(context: MembershipContext): unknown {
  return context.version.creatorInContent ? context.createEvent.content['creator'] : context.createEvent.sender;
}

function checkJoin(context: MembershipContext, target: string): AuthResult {
  const { event, state, version } = context;
  if (followsOnlyCreateEvent(context) && target === firstJoinUser(context)) return ALLOW;
  if (event.sender !== target) return reject('join: sender does not match state_key');

  const current = membershipOf(target, state);
  if (current === 'ban') return reject('join: sender is banned');

  const joinRule = joinRuleOf(state);
  if (joinRule === 'invite' || (joinRule === 'knock' && version.knock)) {
    return current === 'invite' || current === 'join' ? ALLOW : reject(`join: join rule is ${joinRule} and sender is not invited`);
  }
  if ((joinRule === 'restricted' && version.restrictedJoin) || (joinRule === 'knock_restricted' && version.knockRestricted)) {
    return checkRestrictedJoin(context, current);
  }
  if (joinRule === 'public') return ALLOW;
  return reject(`join: join rule ${JSON.stringify(joinRule)} does not allow joining`);
}

function checkRestrictedJoin(context: MembershipContext, current: unknown): AuthResult {
  const { event, state, version, createEvent } = context;
  if (current === 'join' || current === 'invite') return ALLOW;
  const authoriser = event.content['join_authorised_via_users_server'];
  if (typeof authoriser !== 'string') {
    return reject('join: restricted join without join_authorised_via_users_server');
  }
  if (membershipOf(authoriser, state) !== 'join') {
    return reject(`join: authorising user ${authoriser} is not joined to the room`);
  }
  if (powerLevelOf(authoriser, state, version, createEvent) < namedLevel('invite', state, version)) {
    return reject(`join: authorising user ${authoriser} is below the invite level`);
  }
  return ALLOW;
}

/** Returns the public keys of an `m.room.third_party_invite` event: `public_key` and each `public_keys[].public_key`. */
function thirdPartyInvitePublicKeys(content: Record<string, unknown>): string[] {
  const keys: string[] = [];
  if (typeof content['public_key'] === 'string') keys.push(content['public_key']);
  const list = content['public_keys'];
  if (Array.isArray(list)) {
    for (const entry of list) {
      const key = asRecord(entry)?.['public_key'];
      if (typeof key === 'string') keys.push(key);
    }
  }
  return keys;
}

/** Returns true when any signature in `signed` verifies against any of the public keys. */
function hasMatchingSignature(signed: Record<string, unknown>, publicKeys: readonly string[]): boolean {
  const signatures = asRecord(signed['signatures']) ?? {};
  let bytes: Buffer;
  try {
    bytes = signedBytes(signed);
  } catch {
    return false;
  }
  for (const serverSignatures of Object.values(signatures)) {
    for (const [keyId, signature] of Object.entries(asRecord(serverSignatures) ?? {})) {
      if (!keyId.startsWith('ed25519:') || typeof signature !== 'string') continue;
      if (publicKeys.some((publicKey) => verifySignature(publicKey, bytes, signature))) return true;
    }
  }
  return false;
}

function checkThirdPartyInvite(context: MembershipContext, target: string, invite: unknown): AuthResult {
  const { event, state } = context;
  if (membershipOf(target, state) === 'ban') return reject('third-party invite: target user is banned');
  const signed = asRecord(asRecord(invite)?.['signed']);
  if (signed === undefined) return reject('third-party invite: third_party_invite has no signed object');
  const { mxid, token } = signed;
  if (typeof mxid !== 'string' || typeof token !== 'string') {
    return reject('third-party invite: signed has no mxid or token');
  }
  if (mxid !== target) return reject('third-party invite: signed.mxid does not match state_key');
  const inviteEvent = state.get(stateKey('m.room.third_party_invite', token));
  if (inviteEvent === undefined) return reject(`third-party invite: no m.room.third_party_invite with token ${token}`);
  if (inviteEvent.sender !== event.sender) {
    return reject('third-party invite: sender does not match the sender of m.room.third_party_invite');
  }
  if (hasMatchingSignature(signed, thirdPartyInvitePublicKeys(inviteEvent.content))) return ALLOW;
  return reject('third-party invite: no signature in signed matches a public key of m.room.third_party_invite');
}

function checkInvite(context: MembershipContext, target: string): AuthResult {
  const { event, state, version, createEvent } = context;
  if (Object.hasOwn(event.content, 'third_party_invite')) {
    return checkThirdPartyInvite(context, target, event.content['third_party_invite']);
  }
  if (membershipOf(event.sender, state) !== 'join') return reject('invite: sender is not joined to the room');
  const current = membershipOf(target, state);
  if (current === 'join' || current === 'ban') return reject(`invite: target user's membership is ${current}`);
  if (powerLevelOf(event.sender, state, version, createEvent) >= namedLevel('invite', state, version)) return ALLOW;
  return reject('invite: sender is below the invite level');
}

function checkLeave(context: MembershipContext, target: string): AuthResult {
  const { event, state, version, createEvent } = context;
  if (event.sender === target) {
    const current = membershipOf(target, state);
    const canLeave = current === 'invite' || current === 'join' || (current === 'knock' && version.knock);
    return canLeave ? ALLOW : reject(`leave: sender's membership ${JSON.stringify(current ?? null)} cannot be left`);
  }
  if (membershipOf(event.sender, state) !== 'join') return reject('kick: sender is not joined to the room');

  const senderLevel = powerLevelOf(event.sender, state, version, createEvent);
  if (membershipOf(target, state) === 'ban' && senderLevel < namedLevel('ban', state, version)) {
    return reject('unban: sender is below the ban level');
  }
  const targetLevel = powerLevelOf(target, state, version, createEvent);
  if (senderLevel >= namedLevel('kick', state, version) && targetLevel < senderLevel) return ALLOW;
  return reject('kick: sender is below the kick level or not above the target user');
}

function checkBan(context: MembershipContext, target: string): AuthResult {
  const { event, state, version, createEvent } = context;
  if (membershipOf(event.sender, state) !== 'join') return reject('ban: sender is not joined to the room');
  const senderLevel = powerLevelOf(event.sender, state, version, createEvent);
  const targetLevel = powerLevelOf(target, state, version, createEvent);
  if (senderLevel >= namedLevel('ban', state, version) && targetLevel < senderLevel) return ALLOW;
  return reject('ban: sender is below the ban level or not above the target user');
}

function checkKnock(context: MembershipContext, target: string): AuthResult {
  const { event, state, version } = context;
  const joinRule = joinRuleOf(state);
  if (joinRule !== 'knock' && !(joinRule === 'knock_restricted' && version.knockRestricted)) {
    return reject(`knock: join rule ${JSON.stringify(joinRule)} does not allow knocking`);
  }
  if (event.sender !== target) return reject('knock: sender does not match state_key');
  const current = membershipOf(target, state);
  if (current !== 'ban' && current !== 'invite' && current !== 'join') return ALLOW;
  return reject(`knock: sender's membership is ${String(current)}`);
}

/** Checks `join_authorised_via_users_server`: the event must be signed by that user's server. */
function checkAuthoriserSignature(context: MembershipContext): AuthResult | undefined {
  const { event, version, isSignedByServer } = context;
  if (!version.restrictedJoin || !Object.hasOwn(event.content, 'join_authorised_via_users_server')) return undefined;
  const authoriser = event.content['join_authorised_via_users_server'];
  const serverName = typeof authoriser === 'string' ? parseUserId(authoriser)?.serverName : undefined;
  if (serverName === undefined) return reject('join_authorised_via_users_server is not a valid user id');
  if (!isSignedByServer(event, serverName)) {
    return reject(`event is not signed by ${serverName}, the server of join_authorised_via_users_server`);
  }
  return undefined;
}

/** Applies the authorisation rules for `m.room.member` events. */
export function checkMembershipEvent(context: MembershipContext): AuthResult {
  const { event, version } = context;
  const target = event.state_key;
  const membership = event.content['membership'];
  if (typeof target !== 'string' || membership === undefined) {
    return reject('member event has no state_key or no content.membership');
  }
  const signatureFailure = checkAuthoriserSignature(context);
  if (signatureFailure !== undefined) return signatureFailure;

  switch (membership) {
    case 'join':
      return checkJoin(context, target);
    case 'invite':
      return checkInvite(context, target);
    case 'leave':
      return checkLeave(context, target);
    case 'ban':
      return checkBan(context, target);
    case 'knock':
      if (version.knock) return checkKnock(context, target);
      break;
  }
  return reject(`unknown membership ${JSON.stringify(membership)}`);
}
