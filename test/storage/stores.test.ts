// The stores on the backend under test: the same queries must return the same values and types
// from SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MatrixError } from '../../src/core/errors.js';
import { dialectOf } from '../../src/storage/dialect/index.js';
import { ConcurrentWriteError, EventStore, type PersistEventInput } from '../../src/storage/events.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { currentStreamPosition } from '../../src/storage/stream.js';
import { openTestDb, type TestDb } from './support.js';

const NOW = 1_700_000_000_000;

function eventInput(overrides: Partial<PersistEventInput> & { eventId: string }): PersistEventInput {
  return {
    roomId: '!room:test', type: 'm.room.message', stateKey: null, sender: '@alice:test', depth: 1,
    originServerTs: NOW, json: { content: { body: 'hi' } }, prevEventIds: [], ...overrides,
  };
}

describe(`stores on ${process.env.LATTICE_TEST_DATABASE ?? 'sqlite'}`, () => {
  let testDb: TestDb;
  let storage: Storage;

  before(async () => {
    testDb = await openTestDb();
    storage = openStorage(testDb.db);
  });
  after(() => testDb.dispose());

  test('dialect matches the backend', () => {
    assert.equal(dialectOf(testDb.db).name, testDb.backend);
  });

  test('events round-trip with numeric columns', async () => {
    const create = eventInput({
      eventId: '$create', type: 'm.room.create', stateKey: '', prevEventIds: [],
      newRoom: { roomVersion: '11', creator: '@alice:test' }, json: { content: { creator: '@alice:test' } },
    });
    const createPosition = await storage.events.persist(create, NOW);
    const position = await storage.events.persist(eventInput({ eventId: '$m1', depth: 2, prevEventIds: ['$create'] }), NOW);
    assert.equal(position, createPosition + 1);

    const stored = await storage.events.getEvent('$m1');
    assert.ok(stored);
    assert.equal(typeof stored.streamOrdering, 'number');
    assert.equal(stored.streamOrdering, position);
    assert.equal(stored.depth, 2);
    assert.equal(stored.originServerTs, NOW);
    assert.deepEqual(stored.json, { content: { body: 'hi' } });
    assert.deepEqual(await storage.events.getForwardExtremities('!room:test'), [{ eventId: '$m1', depth: 2 }]);
    assert.equal(await currentStreamPosition(testDb.db), position);
    assert.equal(await storage.events.countMessagesFromOthersSinceOwn('!room:test', '@bob:test', position), 1);
  });

  test('persist rejects stale prev_events', async () => {
    const stale = eventInput({ eventId: '$stale', depth: 2, prevEventIds: ['$create'] });
    await assert.rejects(storage.events.persist(stale, NOW), (error: unknown) => error instanceof ConcurrentWriteError && error.reason === 'room changed');
    assert.equal(await storage.events.getEvent('$stale'), undefined);
  });

  test('duplicate transaction id rolls back', async () => {
    const transaction = { userId: '@alice:test', deviceId: 'DEV', txnId: 'txn-1' };
    await storage.events.persist(eventInput({ eventId: '$t1', depth: 3, prevEventIds: ['$m1'], transaction }), NOW);
    const before = await currentStreamPosition(testDb.db);
    const second = eventInput({ eventId: '$t2', depth: 4, prevEventIds: ['$t1'], transaction });
    await assert.rejects(storage.events.persist(second, NOW), (error: unknown) => error instanceof ConcurrentWriteError && error.reason === 'transaction id used');
    assert.equal(await storage.events.getEvent('$t2'), undefined);
    assert.equal(await currentStreamPosition(testDb.db), before);
    assert.equal(await storage.events.findTransaction('@alice:test', 'DEV', 'txn-1'), '$t1');
  });

  test('room flags stored as integers', async () => {
    assert.deepEqual(await storage.events.listPublicRooms(), []);
    await storage.events.setRoomPublic('!room:test', true);
    assert.deepEqual(await storage.events.listPublicRooms(), ['!room:test']);
    assert.equal((await storage.events.getRoom('!room:test'))?.isPublic, true);
  });

  test('user create ignores duplicates', async () => {
    assert.equal(await storage.users.create({ userId: '@alice:test', localpart: 'alice', isAdmin: true }, NOW), true);
    assert.equal(await storage.users.create({ userId: '@alice:test', localpart: 'alice' }, NOW), false);
    const user = await storage.users.get('@alice:test');
    assert.equal(user?.isAdmin, true);
    assert.equal(user?.deactivated, false);
    assert.equal(user?.createdTs, NOW);
  });

  test('user search escapes LIKE wildcards', async () => {
    await storage.users.create({ userId: '@a_b:test', localpart: 'a_b' }, NOW);
    await storage.users.create({ userId: '@axb:test', localpart: 'axb' }, NOW);
    await storage.users.create({ userId: '@c%d:test', localpart: 'c%d' }, NOW);
    assert.deepEqual((await storage.users.search('a_b', 10)).map((u) => u.userId), ['@a_b:test']);
    assert.deepEqual((await storage.users.search('c%', 10)).map((u) => u.userId), ['@c%d:test']);
    assert.deepEqual((await storage.users.search('AX', 10)).map((u) => u.userId), ['@axb:test']);
  });

  test('aliases and server meta upsert', async () => {
    assert.equal(await storage.aliases.create('#a:test', '!room:test', '@alice:test', NOW), true);
    assert.equal(await storage.aliases.create('#a:test', '!other:test', '@alice:test', NOW), false);
    assert.deepEqual(await storage.aliases.resolve('#a:test'), { roomId: '!room:test', creator: '@alice:test' });
    await storage.meta.set('k', 'one');
    await storage.meta.set('k', 'two');
    assert.equal(await storage.meta.get('k'), 'two');
  });

  test('devices, tokens and login tokens', async () => {
    await storage.devices.createDeviceWithToken('@alice:test', 'DEV', 'phone', 'hash-1', NOW);
    await storage.devices.createDeviceWithToken('@alice:test', 'DEV', 'phone', 'hash-2', NOW + 1);
    assert.equal(await storage.devices.findAccessToken('hash-1'), undefined);
    assert.deepEqual(await storage.devices.findAccessToken('hash-2'), { userId: '@alice:test', deviceId: 'DEV' });
    assert.equal((await storage.devices.getDevice('@alice:test', 'DEV'))?.lastSeenTs, NOW + 1);
    assert.deepEqual(await storage.devices.deleteDevice('@alice:test', 'DEV'), ['hash-2']);

    await storage.devices.createLoginToken('login-1', '@alice:test', NOW + 1000);
    assert.equal(await storage.devices.consumeLoginToken('login-1', NOW), '@alice:test');
    assert.equal(await storage.devices.consumeLoginToken('login-1', NOW), undefined);
  });

  test('account data and filters', async () => {
    const first = await storage.accountData.set('@alice:test', '', 'm.test', { a: 1 });
    const second = await storage.accountData.set('@alice:test', '', 'm.test', { a: 2 });
    assert.ok(second > first);
    const changed = await storage.accountData.changedSince('@alice:test', first);
    assert.deepEqual(changed, [{ roomId: '', type: 'm.test', content: { a: 2 }, streamPosition: second }]);
    assert.equal(await storage.accountData.createFilter('@alice:test', { room: {} }), '0');
    assert.equal(await storage.accountData.createFilter('@alice:test', { room: {} }), '1');
    assert.deepEqual(await storage.accountData.getFilter('@alice:test', '1'), { room: {} });
  });

  test('stream positions unique under concurrency', async () => {
    const start = await currentStreamPosition(testDb.db);
    const positions = await Promise.all(Array.from({ length: 20 }, (_, i) => storage.accountData.set('@bob:test', '', `m.test.${i}`, {})));
    assert.equal(new Set(positions).size, 20);
    assert.deepEqual([...positions].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => start + i + 1));
    assert.equal(await currentStreamPosition(testDb.db), start + 20);
  });

  test('NUL in text never fails the driver', async () => {
    const write = storage.meta.set('nul', 'a\u0000b');
    if (testDb.backend === 'sqlite') {
      await write;
      assert.equal(await storage.meta.get('nul'), 'a\u0000b');
      return;
    }
    await assert.rejects(write, (error: unknown) => error instanceof MatrixError && error.status === 400 && error.errcode === 'M_INVALID_PARAM');
  });

  test('event store reads through a second instance', async () => {
    const other = new EventStore(testDb.db);
    assert.equal((await other.getEvent('$m1'))?.depth, 2);
  });
});
