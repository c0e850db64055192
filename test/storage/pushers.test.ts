// The pusher store on the backend under test, and the device deletions that take pushers along.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openStorage, type Storage } from '../../src/storage/index.js';
import type { Pusher } from '../../src/storage/pushers.js';
import { openTestDb, type TestDb } from './support.js';

const NOW = 1_700_000_000_000;

function pusher(overrides: Partial<Pusher> & { userId: string; pushkey: string }): Pusher {
  return {
    appId: 'org.example.app', kind: 'http', appDisplayName: 'App', deviceDisplayName: 'Phone', profileTag: null,
    lang: 'en', data: { url: 'https://push.example.org/_matrix/push/v1/notify', format: 'event_id_only' },
    deviceId: 'PHONE', pushkeyTs: NOW, ...overrides,
  };
}

describe(`pusher store on ${process.env.LATTICE_TEST_DATABASE ?? 'sqlite'}`, () => {
  let testDb: TestDb;
  let storage: Storage;

  before(async () => {
    testDb = await openTestDb();
    storage = openStorage(testDb.db);
  });
  after(() => testDb.dispose());

  test('pusher round-trips with its types', async () => {
    const stored = pusher({ userId: '@a:test', pushkey: 'round', profileTag: 'tag', data: { url: 'https://x/_matrix/push/v1/notify', nested: { n: 1 } } });
    await storage.pushers.upsert(stored, false);
    assert.deepEqual(await storage.pushers.get('@a:test', 'org.example.app', 'round'), stored);
    assert.deepEqual(await storage.pushers.listForUser('@a:test'), [stored]);
  });

  test('upsert replaces the same key', async () => {
    await storage.pushers.upsert(pusher({ userId: '@b:test', pushkey: 'same', lang: 'en' }), false);
    await storage.pushers.upsert(pusher({ userId: '@b:test', pushkey: 'same', lang: 'fr', pushkeyTs: NOW + 1 }), false);
    const listed = await storage.pushers.listForUser('@b:test');
    assert.equal(listed.length, 1);
    assert.equal(listed[0]?.lang, 'fr');
    assert.equal(listed[0]?.pushkeyTs, NOW + 1);
  });

  test('append keeps other users pushers', async () => {
    await storage.pushers.upsert(pusher({ userId: '@c:test', pushkey: 'shared' }), false);
    await storage.pushers.upsert(pusher({ userId: '@d:test', pushkey: 'shared' }), true);
    assert.equal((await storage.pushers.listForUser('@c:test')).length, 1);
    assert.equal((await storage.pushers.listForUser('@d:test')).length, 1);

    await storage.pushers.upsert(pusher({ userId: '@d:test', pushkey: 'shared' }), false);
    assert.deepEqual(await storage.pushers.listForUser('@c:test'), []);
    assert.equal((await storage.pushers.listForUser('@d:test')).length, 1);
  });

  test('joined members pushers only', async () => {
    const roomId = '!pushers:test';
    const member = (eventId: string, userId: string, membership: string, prev: string) => ({
      eventId, roomId, type: 'm.room.member', stateKey: userId, sender: '@j:test', depth: 2, originServerTs: NOW,
      json: { content: { membership } }, prevEventIds: [prev],
    });
    await storage.events.persist({
      eventId: '$pushers-create', roomId, type: 'm.room.create', stateKey: '', sender: '@j:test', depth: 1, originServerTs: NOW,
      json: { content: {} }, prevEventIds: [], newRoom: { roomVersion: '11', creator: '@j:test' },
    }, NOW);
    await storage.events.persist(member('$pushers-join', '@j:test', 'join', '$pushers-create'), NOW);
    await storage.events.persist(member('$pushers-invite', '@k:test', 'invite', '$pushers-join'), NOW);
    for (const userId of ['@j:test', '@k:test', '@l:test']) await storage.pushers.upsert(pusher({ userId, pushkey: `room-${userId}` }), false);

    const listed = await storage.pushers.listForJoinedMembers(roomId);
    assert.deepEqual(listed.map((row) => row.userId), ['@j:test']);
  });

  test('delete reports whether it existed', async () => {
    await storage.pushers.upsert(pusher({ userId: '@e:test', pushkey: 'gone' }), false);
    assert.equal(await storage.pushers.delete('@e:test', 'org.example.app', 'gone'), true);
    assert.equal(await storage.pushers.delete('@e:test', 'org.example.app', 'gone'), false);
    assert.equal(await storage.pushers.get('@e:test', 'org.example.app', 'gone'), undefined);
  });

  test('device deletion deletes its pushers', async () => {
    await storage.devices.createDeviceWithToken('@f:test', 'PHONE', null, 'hash-f-phone', NOW);
    await storage.devices.createDeviceWithToken('@f:test', 'TABLET', null, 'hash-f-tablet', NOW);
    await storage.pushers.upsert(pusher({ userId: '@f:test', pushkey: 'phone', deviceId: 'PHONE' }), false);
    await storage.pushers.upsert(pusher({ userId: '@f:test', pushkey: 'tablet', deviceId: 'TABLET' }), false);

    await storage.devices.deleteDevice('@f:test', 'PHONE');
    assert.deepEqual((await storage.pushers.listForUser('@f:test')).map((row) => row.pushkey), ['tablet']);
  });

  test('deleting all devices deletes all pushers', async () => {
    await storage.devices.createDeviceWithToken('@g:test', 'PHONE', null, 'hash-g-phone', NOW);
    await storage.pushers.upsert(pusher({ userId: '@g:test', pushkey: 'one', deviceId: 'PHONE' }), false);
    await storage.pushers.upsert(pusher({ userId: '@g:test', pushkey: 'two', deviceId: 'OTHER' }), false);
    await storage.pushers.upsert(pusher({ userId: '@h:test', pushkey: 'three' }), false);

    await storage.devices.deleteAllDevices('@g:test');
    assert.deepEqual(await storage.pushers.listForUser('@g:test'), []);
    assert.equal((await storage.pushers.listForUser('@h:test')).length, 1, 'other users keep theirs');
  });
});
