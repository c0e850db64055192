import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  computeContentHash,
  computeEventId,
  computeReferenceHash,
  computeRoomIdFromCreateEvent,
  finalizeEvent,
  redactEvent,
  signEvent,
  type UnsignedPdu,
} from '../../src/core/event-format.js';
import { verifyJsonSignature } from '../../src/core/json-signing.js';
import { getRoomVersion, type RoomVersion } from '../../src/core/room-versions.js';
import { generateSigningKey } from '../../src/core/signing-key.js';

function version(id: string): RoomVersion {
  const found = getRoomVersion(id);
  assert.ok(found, `room version ${id} is defined`);
  return found;
}

const KEY = generateSigningKey('test');

function message(overrides: Partial<UnsignedPdu> = {}): UnsignedPdu {
  return {
    room_id: '!room:example.org',
    sender: '@alice:example.org',
    type: 'm.room.message',
    content: { msgtype: 'm.text', body: 'hello' },
    origin_server_ts: 1700000000000,
    prev_events: ['$prev'],
    auth_events: ['$create', '$power', '$member'],
    depth: 5,
    ...overrides,
  };
}

/** Sorted-key JSON for objects whose keys are all ASCII, where UTF-16 and code-point order agree. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object).sort().map((key) => `${JSON.stringify(key)}:${sortedJson(object[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('computeContentHash', () => {
  it('hashes the event without unsigned, signatures and hashes', () => {
    const event = { ...message(), unsigned: { age: 1 }, signatures: { x: {} }, hashes: { sha256: 'old' } };
    const expected = createHash('sha256').update(sortedJson(message())).digest('base64').replace(/=+$/, '');
    assert.equal(computeContentHash(event), expected);
  });

  it('changes with the content', () => {
    assert.notEqual(computeContentHash(message()), computeContentHash(message({ content: { body: 'other' } })));
  });
});

describe('computeEventId', () => {
  const { event } = finalizeEvent(message(), 'example.org', KEY, version('10'));

  it('hashes the redacted event for version 4 on', () => {
    const { signatures: _signatures, ...rest } = event;
    const redacted = { ...rest, content: {} };
    const hash = createHash('sha256').update(sortedJson(redacted)).digest();
    assert.equal(computeEventId(event, version('10')), `$${hash.toString('base64url')}`);
    assert.deepEqual(computeReferenceHash(event, version('10')), hash);
  });

  it('uses URL-safe Base64 from version 4 and standard Base64 in version 3', () => {
    const hash = computeReferenceHash(event, version('3'));
    assert.equal(computeEventId(event, version('3')), `$${hash.toString('base64').replace(/=+$/, '')}`);
    assert.equal(computeEventId(event, version('4')), `$${hash.toString('base64url')}`);
    assert.match(computeEventId(event, version('4')), /^\$[A-Za-z0-9_-]{43}$/);
  });

  it('changes when a preserved field changes', () => {
    const original = computeEventId(event, version('10'));
    const changes: Array<Partial<UnsignedPdu>> = [
      { origin_server_ts: event.origin_server_ts + 1 },
      { depth: event.depth + 1 },
      { prev_events: ['$other'] },
      { auth_events: ['$create'] },
      { sender: '@bob:example.org' },
      { room_id: '!other:example.org' },
      { type: 'm.room.other' },
      { state_key: '' },
    ];
    for (const change of changes) {
      assert.notEqual(computeEventId({ ...event, ...change }, version('10')), original, JSON.stringify(change));
    }
  });

  it('changes with the content through the content hash', () => {
    const other = finalizeEvent(message({ content: { msgtype: 'm.text', body: 'changed' } }), 'example.org', KEY, version('10'));
    assert.notEqual(other.eventId, computeEventId(event, version('10')));
  });

  it('ignores content when the content hash is unchanged', () => {
    // Redaction empties message content, so only the `hashes` entry ties the id to the content.
    const tampered = { ...event, content: { body: 'tampered' } };
    assert.equal(computeEventId(tampered, version('10')), computeEventId(event, version('10')));
  });

  it('ignores signatures, unsigned and dropped keys', () => {
    const original = computeEventId(event, version('10'));
    assert.equal(computeEventId({ ...event, signatures: {} }, version('10')), original);
    assert.equal(computeEventId({ ...event, unsigned: { age: 99 } }, version('10')), original);
    assert.equal(computeEventId({ ...event, extra: 1 }, version('10')), original);
  });

  it('covers origin before version 11 only', () => {
    assert.notEqual(computeEventId({ ...event, origin: 'x.org' }, version('10')), computeEventId(event, version('10')));
    assert.equal(computeEventId({ ...event, origin: 'x.org' }, version('11')), computeEventId(event, version('11')));
  });

  it('reads event_id in versions 1 and 2', () => {
    assert.equal(computeEventId({ ...event, event_id: '$abc:example.org' }, version('1')), '$abc:example.org');
    assert.throws(() => computeEventId(event, version('2')), /event_id/);
  });
});

describe('finalizeEvent', () => {
  it('adds hash and signature and returns the id', () => {
    const { event, eventId } = finalizeEvent(message(), 'example.org', KEY, version('11'));
    assert.equal(event.hashes.sha256, computeContentHash(message()));
    assert.equal(eventId, computeEventId(event, version('11')));
    const redacted = redactEvent(event, version('11'));
    assert.equal(verifyJsonSignature(redacted, 'example.org', KEY.keyId, KEY.publicKey), true);
  });

  it('id and signature in every version', () => {
    for (const id of ['3', '4', '5', '6', '7', '8', '9', '10', '11']) {
      const { event, eventId } = finalizeEvent(message(), 'example.org', KEY, version(id));
      assert.equal(eventId, computeEventId(event, version(id)), `event id in room version ${id}`);
      const redacted = redactEvent(event, version(id));
      assert.equal(verifyJsonSignature(redacted, 'example.org', KEY.keyId, KEY.publicKey), true, `signature in room version ${id}`);
    }
  });

  it('signs the redacted form only', () => {
    const { event } = finalizeEvent(message(), 'example.org', KEY, version('11'));
    assert.equal(verifyJsonSignature(event, 'example.org', KEY.keyId, KEY.publicKey), false);
  });

  it('keeps unsigned out of hash and signature', () => {
    const plain = finalizeEvent(message(), 'example.org', KEY, version('11'));
    const withUnsigned = finalizeEvent({ ...message(), unsigned: { transaction_id: 't' } }, 'example.org', KEY, version('11'));
    assert.equal(withUnsigned.eventId, plain.eventId);
    assert.deepEqual(withUnsigned.event.unsigned, { transaction_id: 't' });
  });

  it('rejects room versions 1 and 2', () => {
    assert.throws(() => finalizeEvent(message(), 'example.org', KEY, version('2')), /versions 3 and later/);
  });
});

describe('signEvent', () => {
  it('adds a second server signature', () => {
    const other = generateSigningKey('other');
    const { event } = finalizeEvent(message(), 'example.org', KEY, version('10'));
    const cosigned = signEvent(event, 'other.org', other, version('10'));
    const redacted = redactEvent(cosigned, version('10'));
    assert.equal(verifyJsonSignature(redacted, 'example.org', KEY.keyId, KEY.publicKey), true);
    assert.equal(verifyJsonSignature(redacted, 'other.org', other.keyId, other.publicKey), true);
  });
});

describe('computeRoomIdFromCreateEvent', () => {
  const create: UnsignedPdu = {
    sender: '@alice:example.org',
    type: 'm.room.create',
    state_key: '',
    content: { room_version: '12' },
    origin_server_ts: 1700000000000,
    prev_events: [],
    auth_events: [],
    depth: 1,
  };

  it('is the create event id with the ! sigil', () => {
    const { event, eventId } = finalizeEvent(create, 'example.org', KEY, version('12'));
    const roomId = computeRoomIdFromCreateEvent(event);
    assert.equal(roomId, `!${eventId.slice(1)}`);
    assert.match(roomId, /^![A-Za-z0-9_-]{43}$/);
  });

  it('covers all create content', () => {
    const first = finalizeEvent(create, 'example.org', KEY, version('12')).event;
    const second = finalizeEvent({ ...create, content: { room_version: '12', additional_creators: ['@bob:example.org'] } }, 'example.org', KEY, version('12')).event;
    assert.notEqual(computeRoomIdFromCreateEvent(first), computeRoomIdFromCreateEvent(second));
  });

  it('rejects create events with a room_id', () => {
    const { event } = finalizeEvent({ ...create, room_id: '!x:example.org' }, 'example.org', KEY, version('12'));
    assert.throws(() => computeRoomIdFromCreateEvent(event), /must not have a room_id/);
  });

  it('rejects other event types and versions', () => {
    assert.throws(() => computeRoomIdFromCreateEvent({ ...create, type: 'm.room.message' }), /m\.room\.create/);
    assert.throws(() => computeRoomIdFromCreateEvent(create, version('11')), /does not derive/);
  });
});
