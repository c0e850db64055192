// Each case is derived from the redaction algorithm text of the room versions named in it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactEvent } from '../../src/core/event-format.js';
import { getRoomVersion, type RoomVersion } from '../../src/core/room-versions.js';

function version(id: string): RoomVersion {
  const found = getRoomVersion(id);
  assert.ok(found, `room version ${id} is defined`);
  return found;
}

/** Returns an event of the given type carrying every top-level key any algorithm keeps, plus extras. */
function fullEvent(type: string, content: Record<string, unknown>): Record<string, unknown> {
  return {
    event_id: '$e:example.org',
    type,
    room_id: '!r:example.org',
    sender: '@a:example.org',
    state_key: '',
    content,
    hashes: { sha256: 'hash' },
    signatures: { 'example.org': { 'ed25519:1': 'sig' } },
    depth: 4,
    prev_events: ['$p'],
    prev_state: [],
    auth_events: ['$a'],
    origin: 'example.org',
    origin_server_ts: 1234,
    membership: 'join',
    unsigned: { age: 1 },
    redacts: '$target',
    extra_key: 'dropped',
  };
}

const ALL_VERSIONS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'];

describe('redactEvent top-level keys', () => {
  it('keeps origin, membership and prev_state before version 11', () => {
    for (const id of ALL_VERSIONS.slice(0, 10)) {
      const redacted = redactEvent(fullEvent('m.room.message', { body: 'x' }), version(id));
      assert.deepEqual(Object.keys(redacted).sort(), [
        'auth_events', 'content', 'depth', 'event_id', 'hashes', 'membership', 'origin', 'origin_server_ts',
        'prev_events', 'prev_state', 'room_id', 'sender', 'signatures', 'state_key', 'type',
      ], id);
    }
  });

  it('drops origin, membership and prev_state from version 11', () => {
    for (const id of ['11', '12']) {
      const redacted = redactEvent(fullEvent('m.room.message', { body: 'x' }), version(id));
      assert.deepEqual(Object.keys(redacted).sort(), [
        'auth_events', 'content', 'depth', 'event_id', 'hashes', 'origin_server_ts',
        'prev_events', 'room_id', 'sender', 'signatures', 'state_key', 'type',
      ], id);
    }
  });

  it('drops unsigned, redacts and unknown keys in every version', () => {
    for (const id of ALL_VERSIONS) {
      const redacted = redactEvent(fullEvent('m.room.redaction', {}), version(id));
      assert.equal('unsigned' in redacted, false, id);
      assert.equal('redacts' in redacted, false, id);
      assert.equal('extra_key' in redacted, false, id);
    }
  });

  it('empties content of other event types', () => {
    for (const id of ALL_VERSIONS) {
      assert.deepEqual(redactEvent(fullEvent('m.room.message', { body: 'x', msgtype: 'm.text' }), version(id)).content, {}, id);
    }
  });

  it('does not modify the input', () => {
    const event = fullEvent('m.room.message', { body: 'x' });
    redactEvent(event, version('11'));
    assert.deepEqual(event.content, { body: 'x' });
    assert.equal(event.extra_key, 'dropped');
  });
});

describe('redactEvent content', () => {
  const member = {
    membership: 'join',
    displayname: 'Alice',
    join_authorised_via_users_server: '@b:example.org',
    third_party_invite: { display_name: 'a', signed: { mxid: '@a:example.org', token: 't', signatures: {} } },
  };

  it('keeps membership of m.room.member', () => {
    for (const id of ['1', '6', '8']) {
      assert.deepEqual(redactEvent(fullEvent('m.room.member', member), version(id)).content, { membership: 'join' }, id);
    }
  });

  it('keeps join_authorised_via_users_server from version 9', () => {
    for (const id of ['9', '10']) {
      assert.deepEqual(redactEvent(fullEvent('m.room.member', member), version(id)).content, {
        membership: 'join',
        join_authorised_via_users_server: '@b:example.org',
      }, id);
    }
  });

  it('keeps third_party_invite.signed from version 11', () => {
    for (const id of ['11', '12']) {
      assert.deepEqual(redactEvent(fullEvent('m.room.member', member), version(id)).content, {
        membership: 'join',
        join_authorised_via_users_server: '@b:example.org',
        third_party_invite: { signed: { mxid: '@a:example.org', token: 't', signatures: {} } },
      }, id);
    }
  });

  const create = { creator: '@a:example.org', room_version: '10', 'm.federate': false, predecessor: { room_id: '!old:example.org' } };

  it('keeps only creator of m.room.create before version 11', () => {
    for (const id of ALL_VERSIONS.slice(0, 10)) {
      assert.deepEqual(redactEvent(fullEvent('m.room.create', create), version(id)).content, { creator: '@a:example.org' }, id);
    }
  });

  it('keeps all of m.room.create from version 11', () => {
    for (const id of ['11', '12']) {
      assert.deepEqual(redactEvent(fullEvent('m.room.create', create), version(id)).content, create, id);
    }
  });

  const joinRules = { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: '!s:example.org' }], other: 1 };

  it('keeps join_rule of m.room.join_rules', () => {
    for (const id of ['1', '6', '7']) {
      assert.deepEqual(redactEvent(fullEvent('m.room.join_rules', joinRules), version(id)).content, { join_rule: 'restricted' }, id);
    }
  });

  it('keeps allow of m.room.join_rules from version 8', () => {
    for (const id of ['8', '9', '10', '11', '12']) {
      assert.deepEqual(redactEvent(fullEvent('m.room.join_rules', joinRules), version(id)).content, { join_rule: joinRules.join_rule, allow: joinRules.allow }, id);
    }
  });

  const powerLevels = {
    ban: 50, events: { 'm.room.name': 100 }, events_default: 0, invite: 0, kick: 50, redact: 50,
    state_default: 50, users: { '@a:example.org': 100 }, users_default: 0, notifications: { room: 50 },
  };

  it('keeps power levels without invite before version 11', () => {
    const { invite: _invite, notifications: _notifications, ...expected } = powerLevels;
    for (const id of ALL_VERSIONS.slice(0, 10)) {
      assert.deepEqual(redactEvent(fullEvent('m.room.power_levels', powerLevels), version(id)).content, expected, id);
    }
  });

  it('keeps invite of power levels from version 11', () => {
    const { notifications: _notifications, ...expected } = powerLevels;
    for (const id of ['11', '12']) {
      assert.deepEqual(redactEvent(fullEvent('m.room.power_levels', powerLevels), version(id)).content, expected, id);
    }
  });

  it('keeps history_visibility in every version', () => {
    for (const id of ALL_VERSIONS) {
      const content = redactEvent(fullEvent('m.room.history_visibility', { history_visibility: 'shared', x: 1 }), version(id)).content;
      assert.deepEqual(content, { history_visibility: 'shared' }, id);
    }
  });

  it('keeps aliases of m.room.aliases before version 6', () => {
    const aliases = { aliases: ['#a:example.org'], x: 1 };
    for (const id of ['1', '2', '3', '4', '5']) {
      assert.deepEqual(redactEvent(fullEvent('m.room.aliases', aliases), version(id)).content, { aliases: ['#a:example.org'] }, id);
    }
    for (const id of ['6', '10', '11']) {
      assert.deepEqual(redactEvent(fullEvent('m.room.aliases', aliases), version(id)).content, {}, id);
    }
  });

  it('keeps content.redacts of m.room.redaction from version 11', () => {
    const content = { redacts: '$target', reason: 'spam' };
    for (const id of ['11', '12']) {
      assert.deepEqual(redactEvent(fullEvent('m.room.redaction', content), version(id)).content, { redacts: '$target' }, id);
    }
    for (const id of ['3', '10']) {
      assert.deepEqual(redactEvent(fullEvent('m.room.redaction', content), version(id)).content, {}, id);
    }
  });
});
