// Authorisation rules other than membership: create events, auth_events, sending events and
// power level changes, per room version 10 and 11, plus the changes of version 12.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  authEventKeys,
  checkEventAuth,
  powerLevelOf,
  requiredLevelForEvent,
  stateKey,
  type AuthEvent,
} from '../../src/core/event-auth.js';
import { ALICE, BOB, CAROL, REMOTE, RoomFixture, assertAllowed, assertRejected, roomVersion, standardRoom } from './room-fixture.js';

function createEvent(versionId: string, fields: Partial<AuthEvent> = {}): AuthEvent {
  const content: Record<string, unknown> = { room_version: versionId };
  if (roomVersion(versionId).creatorInContent) content['creator'] = ALICE;
  const roomId = roomVersion(versionId).roomIdFromCreateEvent ? {} : { room_id: '!room:example.org' };
  return { ...roomId, type: 'm.room.create', state_key: '', sender: ALICE, content, prev_events: [], auth_events: [], ...fields };
}

function checkCreate(versionId: string, event: AuthEvent) {
  return checkEventAuth(event, new Map(), roomVersion(versionId), event);
}

for (const versionId of ['10', '11']) {
  describe(`create event auth, room version ${versionId}`, () => {
    it('allows a well-formed create event', () => {
      assertAllowed(checkCreate(versionId, createEvent(versionId)));
    });

    it('rejects prev_events', () => {
      assertRejected(checkCreate(versionId, createEvent(versionId, { prev_events: ['$x'] })), /has prev_events/);
    });

    it('rejects a room_id from another server', () => {
      assertRejected(checkCreate(versionId, createEvent(versionId, { room_id: '!room:other.example' })), /domain does not match/);
    });

    it('rejects an unknown room_version', () => {
      const event = createEvent(versionId);
      assertRejected(checkCreate(versionId, { ...event, content: { ...event.content, room_version: '99' } }), /unknown room version/);
    });
  });
}

describe('create event creator property', () => {
  it('is required in version 10', () => {
    assertRejected(checkCreate('10', createEvent('10', { content: { room_version: '10' } })), /no creator/);
  });

  it('is not required in version 11', () => {
    assertAllowed(checkCreate('11', createEvent('11', { content: { room_version: '11' } })));
  });
});

for (const versionId of ['10', '11']) {
  describe(`auth_events checks, room version ${versionId}`, () => {
    const room = standardRoom(versionId).withMember(BOB, 'join');
    const state = (type: string, key = ''): AuthEvent => {
      const event = room.state.get(stateKey(type, key));
      assert.ok(event, `${type} is in the fixture state`);
      return event;
    };
    const message = room.event({ type: 'm.room.message', sender: BOB, content: { body: 'hi' } });

    it('allows the selected auth events', () => {
      assertAllowed(room.check(message, { authEvents: [state('m.room.create'), state('m.room.power_levels'), state('m.room.member', BOB)] }));
    });

    it('rejects duplicate type and state_key pairs', () => {
      const duplicate = { ...state('m.room.power_levels'), content: { users: {} } };
      assertRejected(room.check(message, { authEvents: [state('m.room.create'), state('m.room.power_levels'), duplicate] }), /twice/);
    });

    it('rejects entries outside the selection', () => {
      assertRejected(room.check(message, { authEvents: [state('m.room.create'), state('m.room.join_rules')] }), /does not select/);
      assertRejected(room.check(message, { authEvents: [state('m.room.create'), state('m.room.member', ALICE)] }), /does not select/);
    });

    it('rejects a list without the create event', () => {
      assertRejected(room.check(message, { authEvents: [state('m.room.power_levels')] }), /no m.room.create/);
    });

    it('rejects auth events from another room', () => {
      const foreign = { ...state('m.room.power_levels'), room_id: '!other:example.org' };
      assertRejected(room.check(message, { authEvents: [state('m.room.create'), foreign] }), /belongs to room/);
    });
  });

  describe(`event auth, room version ${versionId}`, () => {
    it('rejects events from senders who are not joined', () => {
      const room = standardRoom(versionId).withMember(BOB, 'invite');
      assertRejected(room.check(room.event({ type: 'm.room.message', sender: BOB })), /sender is not joined/);
    });

    it('allows m.room.third_party_invite at the invite level only', () => {
      const room = standardRoom(versionId).withMember(BOB, 'join').withPowerLevels({ users: { [ALICE]: 100 }, invite: 50 });
      const invite = (sender: string) => room.event({ type: 'm.room.third_party_invite', state_key: 'token', sender, content: {} });
      assertAllowed(room.check(invite(ALICE)));
      assertRejected(room.check(invite(BOB)), /below the invite level/);
    });

    it('applies events, state_default and events_default', () => {
      const room = standardRoom(versionId).withMember(BOB, 'join')
        .withPowerLevels({ users: { [ALICE]: 100, [BOB]: 10 }, events: { 'm.room.name': 5, 'm.custom': 20 }, state_default: 50, events_default: 10 });
      assertAllowed(room.check(room.event({ type: 'm.room.name', state_key: '', sender: BOB })), 'events entry below the sender');
      assertRejected(room.check(room.event({ type: 'm.room.topic', state_key: '', sender: BOB })), /level required to send m.room.topic/);
      assertAllowed(room.check(room.event({ type: 'm.room.message', sender: BOB })), 'events_default equal to the sender');
      assertRejected(room.check(room.event({ type: 'm.custom', sender: BOB })), /level required to send m.custom/);
    });

    it('rejects a state_key naming another user', () => {
      const room = standardRoom(versionId);
      assertRejected(room.check(room.event({ type: 'm.custom.state', state_key: BOB, sender: ALICE })), /starts with @/);
      assertAllowed(room.check(room.event({ type: 'm.custom.state', state_key: ALICE, sender: ALICE })));
    });

    it('allows redactions below the redact level', () => {
      const room = standardRoom(versionId).withMember(BOB, 'join');
      assertAllowed(room.check(room.event({ type: 'm.room.redaction', sender: BOB, redacts: '$a', content: { redacts: '$a' } })));
    });

    it('allows other events otherwise', () => {
      const room = standardRoom(versionId).withMember(BOB, 'join');
      assertAllowed(room.check(room.event({ type: 'm.room.message', sender: BOB, content: { body: 'hi' } })));
    });
  });

  describe(`power levels auth, room version ${versionId}`, () => {
    const powerLevels = (room: RoomFixture, content: Record<string, unknown>, sender = ALICE) =>
      room.event({ type: 'm.room.power_levels', state_key: '', sender, content });
    /** Bob at 50 may edit power levels, so changes around his own level can be tested. */
    const moderated = () =>
      standardRoom(versionId).withMember(BOB, 'join').withMember(CAROL, 'join')
        .withPowerLevels({ users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 10 }, events: { 'm.room.power_levels': 50, 'm.room.name': 60 }, kick: 60, notifications: { room: 20 } });

    it('rejects non-integer named levels', () => {
      const room = standardRoom(versionId);
      for (const name of ['users_default', 'events_default', 'state_default', 'ban', 'redact', 'kick', 'invite']) {
        assertRejected(room.check(powerLevels(room, { users: { [ALICE]: 100 }, [name]: '50' })), /is not an integer/, name);
        assertRejected(room.check(powerLevels(room, { users: { [ALICE]: 100 }, [name]: 1.5 })), /is not an integer/, name);
      }
    });

    it('rejects non-integer events and notifications', () => {
      const room = standardRoom(versionId);
      assertRejected(room.check(powerLevels(room, { users: { [ALICE]: 100 }, events: { 'm.room.name': '50' } })), /events.m.room.name is not an integer/);
      assertRejected(room.check(powerLevels(room, { users: { [ALICE]: 100 }, events: [] })), /events is not an object/);
      assertRejected(room.check(powerLevels(room, { users: { [ALICE]: 100 }, notifications: { room: '50' } })), /notifications.room is not an integer/);
    });

    it('rejects invalid users entries', () => {
      const room = standardRoom(versionId);
      assertRejected(room.check(powerLevels(room, { users: { [ALICE]: 100, 'not-a-user': 5 } })), /not a valid user id/);
      assertRejected(room.check(powerLevels(room, { users: { [ALICE]: '100' } })), /is not an integer/);
      assertRejected(room.check(powerLevels(room, { users: [] })), /users is not an object/);
    });

    it('accepts power levels without users', () => {
      const room = standardRoom(versionId);
      assertAllowed(room.check(powerLevels(room, { users_default: 0 })));
    });

    it('allows the first power levels event', () => {
      const room = new RoomFixture(versionId).withMember(ALICE, 'join');
      assertAllowed(room.check(powerLevels(room, { users: { [ALICE]: 100 }, ban: 100 })));
    });

    it('rejects changing a named level above the sender', () => {
      const room = moderated();
      assertRejected(room.check(powerLevels(room, { users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 10 }, events: { 'm.room.power_levels': 50, 'm.room.name': 60 }, kick: 40, notifications: { room: 20 } }, BOB)), /current kick/);
      assertRejected(room.check(powerLevels(room, { users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 10 }, events: { 'm.room.power_levels': 50, 'm.room.name': 60 }, kick: 60, ban: 51, notifications: { room: 20 } }, BOB)), /new ban/);
    });

    it('allows changing a named level within the sender level', () => {
      const room = moderated();
      assertAllowed(room.check(powerLevels(room, { users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 10 }, events: { 'm.room.power_levels': 50, 'm.room.name': 60 }, kick: 60, invite: 50, notifications: { room: 20 } }, BOB)));
    });

    it('rejects changing or removing an events entry above the sender', () => {
      const room = moderated();
      const base = { users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 10 }, kick: 60, notifications: { room: 20 } };
      assertRejected(room.check(powerLevels(room, { ...base, events: { 'm.room.power_levels': 50, 'm.room.name': 10 } }, BOB)), /current events.m.room.name/);
      assertRejected(room.check(powerLevels(room, { ...base, events: { 'm.room.power_levels': 50 } }, BOB)), /current events.m.room.name/);
    });

    it('rejects adding an events entry above the sender', () => {
      const room = moderated();
      const base = { users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 10 }, kick: 60, notifications: { room: 20 } };
      assertRejected(room.check(powerLevels(room, { ...base, events: { 'm.room.power_levels': 50, 'm.room.name': 60, 'm.room.topic': 51 } }, BOB)), /new events.m.room.topic/);
      assertAllowed(room.check(powerLevels(room, { ...base, events: { 'm.room.power_levels': 50, 'm.room.name': 60, 'm.room.topic': 50 } }, BOB)));
    });

    it('checks notifications like events', () => {
      const room = moderated();
      const base = { users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 10 }, events: { 'm.room.power_levels': 50, 'm.room.name': 60 }, kick: 60 };
      assertRejected(room.check(powerLevels(room, { ...base, notifications: { room: 80 } }, BOB)), /new notifications.room/);
      assertAllowed(room.check(powerLevels(room, { ...base, notifications: { room: 40 } }, BOB)));
    });

    it('rejects changing a user at or above the sender', () => {
      const room = moderated().withMember(BOB, 'join');
      const base = { events: { 'm.room.power_levels': 50, 'm.room.name': 60 }, kick: 60, notifications: { room: 20 } };
      assertRejected(room.check(powerLevels(room, { ...base, users: { [ALICE]: 40, [BOB]: 50, [CAROL]: 10 } }, BOB)), /cannot change the level of @alice/);
      assertRejected(room.check(powerLevels(room, { ...base, users: { [BOB]: 50, [CAROL]: 10 } }, BOB)), /cannot change the level of @alice/);
    });

    it('rejects changing a user at the same level', () => {
      const room = moderated().withPowerLevels({ users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 50 }, events: { 'm.room.power_levels': 50 } });
      assertRejected(room.check(powerLevels(room, { users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 10 }, events: { 'm.room.power_levels': 50 } }, BOB)), /cannot change the level of @carol/);
    });

    it("allows lowering the sender's own level", () => {
      const room = moderated();
      const base = { events: { 'm.room.power_levels': 50, 'm.room.name': 60 }, kick: 60, notifications: { room: 20 } };
      assertAllowed(room.check(powerLevels(room, { ...base, users: { [ALICE]: 100, [BOB]: 40, [CAROL]: 10 } }, BOB)));
    });

    it('rejects raising a user above the sender', () => {
      const room = moderated();
      const base = { events: { 'm.room.power_levels': 50, 'm.room.name': 60 }, kick: 60, notifications: { room: 20 } };
      assertRejected(room.check(powerLevels(room, { ...base, users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 51 } }, BOB)), /new level of @carol/);
      assertRejected(room.check(powerLevels(room, { ...base, users: { [ALICE]: 100, [BOB]: 51, [CAROL]: 10 } }, BOB)), /new level of @bob/);
      assertAllowed(room.check(powerLevels(room, { ...base, users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 50 } }, BOB)));
    });
  });
}

describe('power levels before version 10', () => {
  it('accepts string values in version 9', () => {
    const room = standardRoom('9');
    const event = room.event({ type: 'm.room.power_levels', state_key: '', sender: ALICE, content: { users: { [ALICE]: ' +100 ' }, ban: '050' } });
    assertAllowed(room.check(event));
  });

  it('reads string values as levels', () => {
    const room = standardRoom('9').withPowerLevels({ users: { [ALICE]: '100', [BOB]: '20' }, users_default: '5' });
    assert.equal(powerLevelOf(BOB, room.state, room.version, room.createEvent), 20);
    assert.equal(powerLevelOf(CAROL, room.state, room.version, room.createEvent), 5);
  });

  it('truncates floats in versions 1 to 5', () => {
    const room = standardRoom('5').withPowerLevels({ users: { [ALICE]: 100, [BOB]: 50.57 } });
    assert.equal(powerLevelOf(BOB, room.state, room.version, room.createEvent), 50);
  });

  it('ignores notifications before version 6', () => {
    const room = standardRoom('5').withMember(BOB, 'join').withPowerLevels({ users: { [ALICE]: 100, [BOB]: 50 }, events: { 'm.room.power_levels': 50 }, notifications: { room: 20 } });
    const event = room.event({ type: 'm.room.power_levels', state_key: '', sender: BOB, content: { users: { [ALICE]: 100, [BOB]: 50 }, events: { 'm.room.power_levels': 50 }, notifications: { room: 90 } } });
    assertAllowed(room.check(event));
  });
});

describe('rules of versions 1 to 5', () => {
  it('checks m.room.aliases by server name', () => {
    const room = standardRoom('5');
    assertAllowed(room.check(room.event({ type: 'm.room.aliases', state_key: 'remote.example', sender: REMOTE, content: { aliases: [] } })));
    assertRejected(room.check(room.event({ type: 'm.room.aliases', state_key: 'example.org', sender: REMOTE, content: {} })), /not the sender domain/);
  });

  it('checks redactions in version 1', () => {
    const room = standardRoom('1').withMember(BOB, 'join');
    const redaction = (redacts: string) => room.event({ type: 'm.room.redaction', sender: BOB, event_id: '$r:example.org', redacts });
    assertAllowed(room.check(redaction('$own:example.org')));
    assertRejected(room.check(redaction('$theirs:remote.example')), /below the redact level/);
  });
});

describe('power level helpers', () => {
  it('uses defaults without a power levels event', () => {
    const room = new RoomFixture('11').withMember(ALICE, 'join');
    assert.equal(powerLevelOf(ALICE, room.state, room.version, room.createEvent), 100);
    assert.equal(powerLevelOf(BOB, room.state, room.version, room.createEvent), 0);
    assert.equal(requiredLevelForEvent('m.room.name', true, room.state, room.version), 50);
    assert.equal(requiredLevelForEvent('m.room.message', false, room.state, room.version), 0);
  });

  it('reads levels from the power levels event', () => {
    const room = standardRoom('11').withPowerLevels({ users: { [ALICE]: 100 }, users_default: 3, events: { 'm.room.message': 7 }, state_default: 40, events_default: 2 });
    assert.equal(powerLevelOf(BOB, room.state, room.version, room.createEvent), 3);
    assert.equal(requiredLevelForEvent('m.room.message', false, room.state, room.version), 7);
    assert.equal(requiredLevelForEvent('m.room.topic', true, room.state, room.version), 40);
    assert.equal(requiredLevelForEvent('m.reaction', false, room.state, room.version), 2);
  });
});

describe('authEventKeys', () => {
  const v11 = roomVersion('11');

  it('selects create, power levels and sender for messages', () => {
    assert.deepEqual(authEventKeys({ type: 'm.room.message', sender: BOB, content: {} }, v11), [
      ['m.room.create', ''],
      ['m.room.power_levels', ''],
      ['m.room.member', BOB],
    ]);
  });

  it('selects nothing for the create event', () => {
    assert.deepEqual(authEventKeys({ type: 'm.room.create', state_key: '', sender: ALICE, content: {} }, v11), []);
  });

  it('adds target and join rules for joins', () => {
    assert.deepEqual(authEventKeys({ type: 'm.room.member', state_key: CAROL, sender: BOB, content: { membership: 'invite' } }, v11), [
      ['m.room.create', ''],
      ['m.room.power_levels', ''],
      ['m.room.member', BOB],
      ['m.room.member', CAROL],
      ['m.room.join_rules', ''],
    ]);
    const leave = authEventKeys({ type: 'm.room.member', state_key: CAROL, sender: BOB, content: { membership: 'leave' } }, v11);
    assert.equal(leave.some(([type]) => type === 'm.room.join_rules'), false);
  });

  it('adds the third-party invite by token', () => {
    const keys = authEventKeys({ type: 'm.room.member', state_key: CAROL, sender: BOB, content: { membership: 'invite', third_party_invite: { signed: { token: 'tok' } } } }, v11);
    assert.deepEqual(keys.at(-1), ['m.room.third_party_invite', 'tok']);
  });

  it('adds the authorising user from version 8', () => {
    const join = { type: 'm.room.member', state_key: BOB, sender: BOB, content: { membership: 'join', join_authorised_via_users_server: CAROL } };
    assert.deepEqual(authEventKeys(join, v11).at(-1), ['m.room.member', CAROL]);
    assert.equal(authEventKeys(join, roomVersion('7')).some(([, key]) => key === CAROL), false);
  });

  it('lists each pair once', () => {
    const keys = authEventKeys({ type: 'm.room.member', state_key: BOB, sender: BOB, content: { membership: 'join' } }, v11);
    assert.equal(keys.filter(([type, key]) => type === 'm.room.member' && key === BOB).length, 1);
  });

  it('omits the create event in version 12', () => {
    assert.deepEqual(authEventKeys({ type: 'm.room.message', sender: BOB, content: {} }, roomVersion('12')), [
      ['m.room.power_levels', ''],
      ['m.room.member', BOB],
    ]);
  });
});
