// The authorisation changes of room version 12: room ids derived from the create event,
// additional creators, and creators with infinite power level.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEventAuth, powerLevelOf, stateKey, type AuthEvent } from '../../src/core/event-auth.js';
import { ALICE, BOB, CAROL, RoomFixture, assertAllowed, assertRejected, roomVersion, standardRoom } from './room-fixture.js';

const V12 = roomVersion('12');

function createEvent(fields: Partial<AuthEvent> = {}): AuthEvent {
  return { type: 'm.room.create', state_key: '', sender: ALICE, content: { room_version: '12' }, prev_events: [], auth_events: [], ...fields };
}

function checkCreate(event: AuthEvent) {
  return checkEventAuth(event, new Map(), V12, event);
}

describe('version 12 create event', () => {
  it('allows a create event without room_id or creator', () => {
    assertAllowed(checkCreate(createEvent()));
  });

  it('rejects a room_id', () => {
    assertRejected(checkCreate(createEvent({ room_id: '!room:example.org' })), /has a room_id/);
  });

  it('accepts valid additional_creators', () => {
    assertAllowed(checkCreate(createEvent({ content: { room_version: '12', additional_creators: [BOB, '@x:remote.example'] } })));
  });

  it('rejects malformed additional_creators', () => {
    for (const additional of ['@bob:example.org', [42], ['not-a-user'], [BOB, '@bob']]) {
      const event = createEvent({ content: { room_version: '12', additional_creators: additional } });
      assertRejected(checkCreate(event), /additional_creators/, JSON.stringify(additional));
    }
  });

  it('still rejects prev_events and unknown versions', () => {
    assertRejected(checkCreate(createEvent({ prev_events: ['$x'] })), /prev_events/);
    assertRejected(checkCreate(createEvent({ content: { room_version: 'x' } })), /unknown room version/);
  });
});

describe('version 12 room id', () => {
  it('is derived from the create event', () => {
    const room = new RoomFixture('12');
    assert.match(room.roomId, /^![A-Za-z0-9_-]{43}$/);
    assert.equal(room.roomId, `!${room.createEventId.slice(1)}`);
  });

  it('rejects events with another room_id', () => {
    const room = standardRoom('12', 'public');
    assertAllowed(room.check(room.member(BOB, 'join')));
    assertRejected(room.check({ ...room.member(BOB, 'join'), room_id: '!other:example.org' }), /room_id is not the id/);
  });

  it('rejects auth_events containing the create event', () => {
    const room = standardRoom('12').withMember(BOB, 'join');
    const powerLevels = room.state.get(stateKey('m.room.power_levels', ''));
    const member = room.state.get(stateKey('m.room.member', BOB));
    assert.ok(powerLevels, 'power levels are in the fixture state');
    assert.ok(member, 'the member event is in the fixture state');
    const message = room.event({ type: 'm.room.message', sender: BOB });
    assertAllowed(room.check(message, { authEvents: [powerLevels, member] }));
    assertRejected(room.check(message, { authEvents: [{ ...room.createEvent, room_id: room.roomId }, powerLevels, member] }), /does not select/);
  });

  it("allows the creator's first join", () => {
    const room = new RoomFixture('12');
    assertAllowed(room.check({ ...room.member(ALICE, 'join'), prev_events: [room.createEventId] }));
  });
});

describe('version 12 creators', () => {
  const creatorsRoom = () =>
    new RoomFixture('12', ALICE, { additional_creators: [BOB] })
      .withMember(ALICE, 'join').withMember(BOB, 'join').withMember(CAROL, 'join')
      .withPowerLevels({ users: { [CAROL]: 100 } })
      .withJoinRule('invite');

  it('have infinite power level', () => {
    const room = creatorsRoom();
    assert.equal(powerLevelOf(ALICE, room.state, room.version, room.createEvent), Number.POSITIVE_INFINITY);
    assert.equal(powerLevelOf(BOB, room.state, room.version, room.createEvent), Number.POSITIVE_INFINITY);
    assert.equal(powerLevelOf(CAROL, room.state, room.version, room.createEvent), 100);
  });

  it('have infinite power without power levels', () => {
    const room = new RoomFixture('12').withMember(ALICE, 'join');
    assert.equal(powerLevelOf(ALICE, room.state, room.version, room.createEvent), Number.POSITIVE_INFINITY);
    assert.equal(powerLevelOf(BOB, room.state, room.version, room.createEvent), 0);
  });

  it('can ban a user at power level 100', () => {
    const room = creatorsRoom();
    assertAllowed(room.check(room.member(CAROL, 'ban', BOB)));
  });

  it('cannot be kicked or banned by other users', () => {
    const room = creatorsRoom();
    assertRejected(room.check(room.member(BOB, 'leave', CAROL)), /not above the target/);
    assertRejected(room.check(room.member(BOB, 'ban', CAROL)), /not above the target/);
  });

  it('cannot kick each other', () => {
    const room = creatorsRoom();
    assertRejected(room.check(room.member(BOB, 'leave', ALICE)), /not above the target/);
  });

  it('must not be listed in power levels', () => {
    const room = creatorsRoom();
    const powerLevels = (users: Record<string, number>) => room.event({ type: 'm.room.power_levels', state_key: '', sender: ALICE, content: { users } });
    assertRejected(room.check(powerLevels({ [ALICE]: 100 })), /lists room creator @alice/);
    assertRejected(room.check(powerLevels({ [BOB]: 100 })), /lists room creator @bob/);
    assertAllowed(room.check(powerLevels({ [CAROL]: 50 })));
  });

  it('can set any level', () => {
    const room = creatorsRoom();
    const event = room.event({ type: 'm.room.power_levels', state_key: '', sender: BOB, content: { users: { [CAROL]: 9000 }, ban: 9000 } });
    assertAllowed(room.check(event));
  });

  it('ignore additional_creators before version 12', () => {
    const room = new RoomFixture('11', ALICE, { additional_creators: [BOB] }).withMember(ALICE, 'join').withMember(BOB, 'join');
    assert.equal(powerLevelOf(BOB, room.state, room.version, room.createEvent), 0);
    assert.equal(powerLevelOf(ALICE, room.state, room.version, room.createEvent), 100);
  });
});
