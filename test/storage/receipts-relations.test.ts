// Receipts, relations and the user directory on the backend under test: the same queries must
// return the same values from SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PersistEventInput } from '../../src/storage/events.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { UserDirectoryStore } from '../../src/storage/user-directory.js';
import { openTestDb, type TestDb } from './support.js';

const NOW = 1_700_000_000_000;
const ROOM = '!room:test';

describe(`receipt, relation and directory stores on ${process.env.LATTICE_TEST_DATABASE ?? 'sqlite'}`, () => {
  let testDb: TestDb;
  let storage: Storage;
  let previous: string[] = [];
  let depth = 0;

  /** Appends an event to the one test room, each event following the previous one. */
  async function append(eventId: string, fields: Partial<PersistEventInput> = {}): Promise<number> {
    depth += 1;
    const position = await storage.events.persist({
      eventId, roomId: ROOM, type: 'm.room.message', stateKey: null, sender: '@alice:test', depth,
      originServerTs: NOW + depth, json: { content: { body: eventId } }, prevEventIds: previous, ...fields,
    }, NOW);
    previous = [eventId];
    return position;
  }

  before(async () => {
    testDb = await openTestDb();
    storage = openStorage(testDb.db);
    await append('$create', { type: 'm.room.create', stateKey: '', newRoom: { roomVersion: '11', creator: '@alice:test' } });
    for (const user of ['@alice:test', '@bob:test']) {
      await append(`$join-${user}`, { type: 'm.room.member', stateKey: user, sender: user, json: { content: { membership: 'join' } } });
    }
    for (const id of ['$m1', '$m2', '$m3']) await append(id);
  });
  after(() => testDb.dispose());

  test('receipts never move backwards', async () => {
    const first = await storage.receipts.set({ roomId: ROOM, userId: '@bob:test', receiptType: 'm.read', threadId: '', eventId: '$m2', ts: NOW });
    assert.equal(typeof first, 'number');
    const backwards = await storage.receipts.set({ roomId: ROOM, userId: '@bob:test', receiptType: 'm.read', threadId: '', eventId: '$m1', ts: NOW });
    assert.equal(backwards, undefined);
    const same = await storage.receipts.set({ roomId: ROOM, userId: '@bob:test', receiptType: 'm.read', threadId: '', eventId: '$m2', ts: NOW });
    assert.equal(same, undefined);
    const forwards = await storage.receipts.set({ roomId: ROOM, userId: '@bob:test', receiptType: 'm.read', threadId: '', eventId: '$m3', ts: NOW + 1 });
    assert.ok(forwards !== undefined);
    assert.ok(forwards > (first ?? 0));

    const all = await storage.receipts.forRooms([ROOM], undefined, forwards);
    assert.deepEqual(all.map((receipt) => [receipt.userId, receipt.eventId, receipt.ts]), [['@bob:test', '$m3', NOW + 1]]);
    assert.deepEqual(await storage.receipts.forRooms([ROOM], forwards, forwards), []);
  });

  test('read positions join event order', async () => {
    await storage.receipts.set({ roomId: ROOM, userId: '@bob:test', receiptType: 'm.read.private', threadId: 'main', eventId: '$m1', ts: NOW });
    await storage.receipts.set({ roomId: ROOM, userId: '@bob:test', receiptType: 'm.fully_read', threadId: '', eventId: '$m1', ts: NOW });
    const m1 = await storage.events.getEvent('$m1');
    const m3 = await storage.events.getEvent('$m3');
    const positions = (await storage.receipts.readPositions(ROOM, '@bob:test')).sort((a, b) => a.streamOrdering - b.streamOrdering);
    assert.deepEqual(positions, [
      { threadId: 'main', receiptType: 'm.read.private', streamOrdering: m1?.streamOrdering },
      { threadId: '', receiptType: 'm.read', streamOrdering: m3?.streamOrdering },
    ]);
  });

  test('latest edit uses timestamp then id', async () => {
    const edit = (eventId: string, sender: string, ts: number) => append(eventId, {
      sender, originServerTs: ts, relation: { eventId: '$m1', relType: 'm.replace' },
    });
    await edit('$edit-b', '@alice:test', NOW + 100);
    await edit('$edit-a', '@alice:test', NOW + 100);
    await edit('$edit-old', '@alice:test', NOW + 50);
    await edit('$edit-bob', '@bob:test', NOW + 500);
    const latest = await storage.relations.latestEdits([{ eventId: '$m1', sender: '@alice:test', type: 'm.room.message', roomId: ROOM }]);
    assert.equal(latest.get('$m1')?.eventId, '$edit-b');
  });

  test('threads summarise and list', async () => {
    const reply = (eventId: string, root: string, sender: string) => append(eventId, { sender, relation: { eventId: root, relType: 'm.thread' } });
    await reply('$t1', '$m2', '@bob:test');
    await reply('$t2', '$m3', '@alice:test');
    await reply('$t3', '$m2', '@bob:test');

    const summaries = await storage.relations.threadSummaries(['$m2', '$m3', '$m1']);
    assert.equal(summaries.get('$m2')?.count, 2);
    assert.equal(summaries.get('$m2')?.latest.eventId, '$t3');
    assert.deepEqual([...(summaries.get('$m2')?.participants ?? [])], ['@bob:test']);
    assert.equal(summaries.has('$m1'), false);

    const roots = await storage.relations.threadRoots(ROOM, { limit: 10 });
    assert.deepEqual(roots.map((root) => root.rootId), ['$m2', '$m3']);
    const older = await storage.relations.threadRoots(ROOM, { limit: 10, before: roots[0]?.latestOrdering });
    assert.deepEqual(older.map((root) => root.rootId), ['$m3']);
    const bobs = await storage.relations.threadRoots(ROOM, { limit: 10, participant: '@bob:test' });
    assert.deepEqual(bobs.map((root) => root.rootId), ['$m2']);
    const alices = await storage.relations.threadRoots(ROOM, { limit: 10, participant: '@alice:test' });
    assert.deepEqual(alices.map((root) => root.rootId).sort(), ['$m2', '$m3'], 'alice sent both roots');

    const relations = await storage.relations.relationsOf(['$t1', '$m1']);
    assert.deepEqual(relations.get('$t1'), { relatesToId: '$m2', relType: 'm.thread' });
    assert.equal(relations.has('$m1'), false);
  });

  test('relation pages filter and bound', async () => {
    const backward = await storage.relations.page({ parentIds: ['$m2'], roomId: ROOM, direction: 'backward', limit: 10 });
    assert.deepEqual(backward.map((event) => event.eventId), ['$t3', '$t1']);
    assert.equal(backward[0]?.relType, 'm.thread');
    const t3 = backward[0]?.streamOrdering ?? 0;
    const bounded = await storage.relations.page({ parentIds: ['$m2'], roomId: ROOM, direction: 'forward', limit: 10, before: t3 });
    assert.deepEqual(bounded.map((event) => event.eventId), ['$t1']);
    const edits = await storage.relations.page({ parentIds: ['$m1'], roomId: ROOM, relType: 'm.replace', direction: 'forward', limit: 2 });
    assert.deepEqual(edits.map((event) => event.eventId), ['$edit-b', '$edit-a']);
  });

  test('user search escapes LIKE wildcards', async () => {
    const directory = new UserDirectoryStore(testDb.db);
    await storage.users.create({ userId: '@alice:test', localpart: 'alice', displayname: 'Alice 100%' }, NOW);
    await storage.users.create({ userId: '@bob:test', localpart: 'bob', displayname: 'Bob_Builder' }, NOW);
    await storage.users.create({ userId: '@stranger:test', localpart: 'stranger', displayname: 'Stranger 100%' }, NOW);

    assert.deepEqual((await directory.search('@bob:test', '100%', 10, 'shared-rooms')).map((user) => user.userId), ['@alice:test']);
    assert.deepEqual((await directory.search('@alice:test', 'b_b', 10, 'shared-rooms')).map((user) => user.userId), ['@bob:test']);
    // Unescaped, `_` and `%` would match "ali" in alice and "e:t" in @alice:test.
    assert.deepEqual(await directory.search('@bob:test', 'a_i', 10, 'shared-rooms'), []);
    assert.deepEqual(await directory.search('@bob:test', 'e%t', 10, 'shared-rooms'), []);
    assert.deepEqual((await directory.search('@alice:test', 'ALICE', 10, 'shared-rooms')).map((user) => user.displayName), ['Alice 100%']);
    assert.equal((await directory.search('@alice:test', 'test', 1, 'shared-rooms')).length, 1);
    assert.equal((await directory.exact('@stranger:test'))?.displayName, 'Stranger 100%');
    assert.deepEqual((await directory.search('@bob:test', '100%', 10, 'all')).map((user) => user.userId), ['@alice:test', '@stranger:test']);
  });
});
