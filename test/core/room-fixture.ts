// Builds rooms in a chosen room version for the authorisation tests: a create event and a state
// map that individual tests extend.
import assert from 'node:assert/strict';
import { checkEventAuth, stateKey, type AuthEvent, type AuthOptions, type AuthResult } from '../../src/core/event-auth.js';
import { computeRoomIdFromCreateEvent, finalizeEvent, type Pdu } from '../../src/core/event-format.js';
import { getRoomVersion, type RoomVersion } from '../../src/core/room-versions.js';
import { generateSigningKey } from '../../src/core/signing-key.js';

export const ALICE = '@alice:example.org';
export const BOB = '@bob:example.org';
export const CAROL = '@carol:example.org';
export const REMOTE = '@dave:remote.example';

const KEY = generateSigningKey('fixture');

export function roomVersion(id: string): RoomVersion {
  const version = getRoomVersion(id);
  assert.ok(version, `room version ${id} is defined`);
  return version;
}

export class RoomFixture {
  readonly version: RoomVersion;
  readonly createEvent: Pdu;
  readonly createEventId: string;
  readonly roomId: string;
  readonly state = new Map<string, AuthEvent>();

  /** Creates a room whose creator is `creator`; `createContent` is merged into the create event content. */
  constructor(versionId: string, creator: string = ALICE, createContent: Record<string, unknown> = {}) {
    this.version = roomVersion(versionId);
    const content: Record<string, unknown> = { room_version: versionId, ...createContent };
    if (this.version.creatorInContent) content['creator'] = creator;
    const hashRoomId = this.version.roomIdFromCreateEvent;
    const create = {
      ...(hashRoomId ? {} : { room_id: '!room:example.org' }),
      sender: creator,
      type: 'm.room.create',
      state_key: '',
      content,
      origin_server_ts: 1,
      prev_events: [],
      auth_events: [],
      depth: 1,
    };
    const finalized = finalizeEvent(create, 'example.org', KEY, this.version.eventIdFormat === 'v1' ? roomVersion('4') : this.version);
    this.createEvent = finalized.event;
    this.createEventId = finalized.eventId;
    this.roomId = hashRoomId ? computeRoomIdFromCreateEvent(this.createEvent, this.version) : '!room:example.org';
    if (!hashRoomId) this.state.set(stateKey('m.room.create', ''), this.createEvent);
  }

  /** Builds an event in this room; `prev_events` defaults to an event other than the create event. */
  event(fields: Partial<AuthEvent> & { type: string; sender: string }): AuthEvent {
    return { room_id: this.roomId, content: {}, prev_events: ['$earlier'], auth_events: [], ...fields };
  }

  member(userId: string, membership: string, sender: string = userId, content: Record<string, unknown> = {}): AuthEvent {
    return this.event({ type: 'm.room.member', state_key: userId, sender, content: { membership, ...content } });
  }

  /** Stores a state event as current state and returns this fixture for chaining. */
  set(event: AuthEvent): this {
    assert.equal(typeof event.state_key, 'string', 'only state events go into the state map');
    this.state.set(stateKey(event.type, event.state_key ?? ''), event);
    return this;
  }

  withMember(userId: string, membership: string): this {
    return this.set(this.member(userId, membership));
  }

  withPowerLevels(content: Record<string, unknown>, sender: string = ALICE): this {
    return this.set(this.event({ type: 'm.room.power_levels', state_key: '', sender, content }));
  }

  withJoinRule(joinRule: string, extra: Record<string, unknown> = {}): this {
    return this.set(this.event({ type: 'm.room.join_rules', state_key: '', sender: ALICE, content: { join_rule: joinRule, ...extra } }));
  }

  check(event: AuthEvent, options?: AuthOptions): AuthResult {
    return checkEventAuth(event, this.state, this.version, this.createEvent, options);
  }
}

/** Builds a room after the usual creation steps: the creator joined, power levels with the creator at 100, and a join rule. */
export function standardRoom(versionId: string, joinRule = 'invite'): RoomFixture {
  const room = new RoomFixture(versionId).withMember(ALICE, 'join');
  const users = room.version.infiniteCreatorPower ? {} : { [ALICE]: 100 };
  return room.withPowerLevels({ users, users_default: 0 }).withJoinRule(joinRule);
}

export function assertAllowed(result: AuthResult, message?: string): void {
  assert.deepEqual(result, { allowed: true }, message);
}

/** Asserts a rejection whose reason matches `reason`, so a rejection by a different rule fails the test. */
export function assertRejected(result: AuthResult, reason: RegExp, message?: string): void {
  assert.equal(result.allowed, false, message ?? `expected a rejection matching ${reason}`);
  if (!result.allowed) assert.match(result.reason, reason, message);
}
