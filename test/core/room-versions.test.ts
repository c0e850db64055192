import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CREATABLE_ROOM_VERSIONS,
  DEFAULT_ROOM_VERSION,
  KNOWN_ROOM_VERSIONS,
  getRoomVersion,
  isCreatableRoomVersion,
  roomVersionCapabilities,
} from '../../src/core/room-versions.js';

function version(id: string) {
  const found = getRoomVersion(id);
  assert.ok(found, `room version ${id} is defined`);
  return found;
}

describe('room version table', () => {
  it('defines versions 1 to 12 only', () => {
    assert.deepEqual(KNOWN_ROOM_VERSIONS, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
    assert.equal(getRoomVersion('13'), undefined);
    assert.equal(getRoomVersion('org.example.custom'), undefined);
  });

  it('follows the feature matrix for join rules', () => {
    const withKnock = KNOWN_ROOM_VERSIONS.filter((id) => version(id).knock);
    const withRestricted = KNOWN_ROOM_VERSIONS.filter((id) => version(id).restrictedJoin);
    const withKnockRestricted = KNOWN_ROOM_VERSIONS.filter((id) => version(id).knockRestricted);
    assert.deepEqual(withKnock, ['7', '8', '9', '10', '11', '12']);
    assert.deepEqual(withRestricted, ['8', '9', '10', '11', '12']);
    assert.deepEqual(withKnockRestricted, ['10', '11', '12']);
  });

  it('selects event id formats', () => {
    assert.equal(version('1').eventIdFormat, 'v1');
    assert.equal(version('2').eventIdFormat, 'v1');
    assert.equal(version('3').eventIdFormat, 'v3');
    for (const id of ['4', '5', '6', '7', '8', '9', '10', '11', '12']) assert.equal(version(id).eventIdFormat, 'v4', id);
  });

  it('selects redaction algorithms', () => {
    const expected: Record<string, string> = { '1': 'v1', '5': 'v1', '6': 'v6', '7': 'v6', '8': 'v8', '9': 'v9', '10': 'v9', '11': 'v11', '12': 'v11' };
    for (const [id, algorithm] of Object.entries(expected)) assert.equal(version(id).redaction, algorithm, id);
  });

  it('enforces integer power levels from version 10', () => {
    assert.equal(version('9').integerPowerLevels, false);
    assert.equal(version('10').integerPowerLevels, true);
    assert.equal(version('5').floatPowerLevels, true);
    assert.equal(version('6').floatPowerLevels, false);
  });

  it('marks the version 12 changes', () => {
    assert.equal(version('12').roomIdFromCreateEvent, true);
    assert.equal(version('12').infiniteCreatorPower, true);
    assert.equal(version('12').createEventInAuthEvents, false);
    assert.equal(version('11').createEventInAuthEvents, true);
    assert.equal(version('11').creatorInContent, false);
    assert.equal(version('10').creatorInContent, true);
  });
});

describe('room version capabilities', () => {
  it('offers versions 10 to 12 with 11 as default', () => {
    assert.equal(DEFAULT_ROOM_VERSION, '11');
    assert.deepEqual(CREATABLE_ROOM_VERSIONS, ['10', '11', '12']);
    assert.deepEqual(roomVersionCapabilities(), { default: '11', available: { '10': 'stable', '11': 'stable', '12': 'stable' } });
  });

  it('allows creating only versions 10 to 12', () => {
    assert.equal(isCreatableRoomVersion('9'), false);
    assert.equal(isCreatableRoomVersion('10'), true);
    assert.equal(isCreatableRoomVersion('12'), true);
  });
});
