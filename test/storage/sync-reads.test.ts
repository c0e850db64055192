// The batched /sync reads on the backend under test: each must return, for many rooms at once,
// what the per-room queries of EventStore return for each room.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PersistEventInput } from '../../src/storage/events.js';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { toLazyStoredEvent } from '../../src/storage/sync-reads.js';
import { openTestDb, type TestDb } from './support.js';

const NOW = 1_700_000_000_000;
const ROOMS = ['!a:test', '!b:test', '!c:test'];

describe(`sync read store on ${process.env.LATTICE_TEST_DATABASE ?? 'sqlite'}`, () => {
  let testDb: TestDb;
  let storage: Storage;
  const previous = new Map<string, string[]>();
  const depth = new Map<string, number>();

  /** Appends an event to a room, after the room's previous event. */
  async function append(roomId: string, eventId: string, fields: Partial<PersistEventInput> = {}): Promise<number> {
    const next = (depth.get(roomId) ?? 0) + 1;
    depth.set(roomId, next);
    const position = await storage.events.persist({
      eventId, roomId, type: 'm.room.message', stateKey: null, sender: '@alice:test', depth: next,
      originServerTs: NOW + next, json: { content: { body: eventId } }, prevEventIds: previous.get(roomId) ?? [], ...fields,
    }, NOW);
    previous.set(roomId, [eventId]);
    return position;
  }

  async function member(roomId: string, userId: string, membership: string): Promise<number> {
    return append(roomId, `$${membership}-${userId}-${roomId}-${depth.get(roomId) ?? 0}`, {
      type: 'm.room.member', stateKey: userId, sender: userId, json: { content: { membership } },
    });
  }

  before(async () => {
    testDb = await openTestDb();
    storage = openStorage(testDb.db);
    for (const roomId of ROOMS) {
      await append(roomId, `$create-${roomId}`, { type: 'm.room.create', stateKey: '', newRoom: { roomVersion: '11', creator: '@alice:test' } });
      await member(roomId, '@alice:test', 'join');
    }
    // Interleave the rooms, so each room's events are not contiguous in the stream.
    for (let n = 0; n < 6; n++) {
      for (const roomId of ROOMS.slice(0, 2)) await append(roomId, `$m${n}-${roomId}`);
    }
    await append('!a:test', '$topic1', { type: 'm.room.topic', stateKey: '', json: { content: { topic: 'one' } } });
    await append('!a:test', '$after-topic');
    await append('!a:test', '$topic2', { type: 'm.room.topic', stateKey: '', json: { content: { topic: 'two' } } });
    await member('!b:test', '@bob:test', 'join');
    await member('!b:test', '@carol:test', 'invite');
  });
  after(() => testDb.dispose());

  test('newest events match per-room reads', async () => {
    const upTo = await storage.events.getRoomEvents('!a:test', { after: 0, upTo: Number.MAX_SAFE_INTEGER, direction: 'backward', limit: 1 })
      .then((events) => (events[0]?.streamOrdering ?? 0) - 1);
    for (const limit of [1, 4, 100]) {
      const batched = await storage.syncReads.newestEvents(ROOMS.map((roomId) => ({ roomId, after: 0 })), upTo, limit);
      for (const roomId of ROOMS) {
        const single = await storage.events.getRoomEvents(roomId, { after: 0, upTo, direction: 'backward', limit });
        const ids = (batched.get(roomId) ?? []).sort((a, b) => Number(b.stream_ordering) - Number(a.stream_ordering)).map((row) => row.event_id);
        assert.deepEqual(ids, single.map((event) => event.eventId), `room ${roomId}, limit ${limit}`);
      }
    }
  });

  test('newest events honour each room lower bound', async () => {
    const [first] = await storage.events.getRoomEvents('!a:test', { after: 0, upTo: Number.MAX_SAFE_INTEGER, direction: 'forward', limit: 3 }).then((events) => events.slice(2));
    const after = first?.streamOrdering ?? 0;
    const batched = await storage.syncReads.newestEvents([{ roomId: '!a:test', after }, { roomId: '!b:test', after: Number.MAX_SAFE_INTEGER - 1 }], Number.MAX_SAFE_INTEGER, 1000);
    const single = await storage.events.getRoomEvents('!a:test', { after, upTo: Number.MAX_SAFE_INTEGER, direction: 'forward', limit: 1000 });
    const ids = (batched.get('!a:test') ?? []).sort((a, b) => Number(a.stream_ordering) - Number(b.stream_ordering)).map((row) => row.event_id);
    assert.deepEqual(ids, single.map((event) => event.eventId));
    assert.equal(batched.has('!b:test'), false);
  });

  test('state at a position matches getStateAt', async () => {
    const topic1 = await storage.events.getEvent('$topic1');
    const position = (topic1?.streamOrdering ?? 0) + 1;
    const rows = await storage.syncReads.stateEventsAt([
      { roomId: '!a:test', type: 'm.room.topic', stateKey: '', position },
      { roomId: '!a:test', type: 'm.room.name', stateKey: '', position },
      { roomId: '!b:test', type: 'm.room.member', stateKey: '@bob:test', position: 1 },
    ]);
    const expected = (await storage.events.getStateAt('!a:test', position)).filter((event) => event.type === 'm.room.topic');
    assert.deepEqual(rows.map((row) => row.event_id), expected.map((event) => event.eventId));
    assert.deepEqual(rows.map((row) => row.event_id), ['$topic1']);
  });

  test('current state matches per-room reads', async () => {
    const batched = await storage.syncReads.currentState(ROOMS);
    for (const roomId of ROOMS) {
      const single = await storage.events.getCurrentState(roomId);
      const ids = (batched.get(roomId) ?? []).map((row) => row.event_id).sort();
      assert.deepEqual(ids, single.map((event) => event.eventId).sort(), `room ${roomId}`);
    }
  });

  test('members, versions and shared users', async () => {
    const members = await storage.syncReads.members(ROOMS);
    assert.deepEqual(members.get('!b:test'), [
      { userId: '@alice:test', membership: 'join' },
      { userId: '@bob:test', membership: 'join' },
      { userId: '@carol:test', membership: 'invite' },
    ]);
    assert.deepEqual(members.get('!c:test'), [{ userId: '@alice:test', membership: 'join' }]);
    const versions = await storage.syncReads.roomVersions([...ROOMS, '!missing:test']);
    assert.deepEqual([...versions.keys()].sort(), ROOMS);
    assert.equal(versions.get('!a:test'), '11');
    assert.deepEqual((await storage.syncReads.usersSharingJoinedRooms('@bob:test')).sort(), ['@alice:test', '@bob:test']);
  });

  test('changed rooms include receipts', async () => {
    const upTo = await append('!c:test', '$c-last');
    const receiptPosition = await storage.receipts.set({ roomId: '!b:test', userId: '@bob:test', receiptType: 'm.read', threadId: '', eventId: '$m5-!b:test', ts: NOW });
    assert.ok(receiptPosition !== undefined);
    assert.deepEqual([...await storage.syncReads.roomsChangedBetween(ROOMS, upTo - 1, upTo)], ['!c:test']);
    assert.deepEqual([...await storage.syncReads.roomsChangedBetween(ROOMS, upTo, receiptPosition)], ['!b:test']);
    assert.deepEqual([...await storage.syncReads.roomsChangedBetween(ROOMS, receiptPosition, receiptPosition)], []);

    const positions = await storage.syncReads.readPositions('@bob:test', ROOMS);
    const m5 = await storage.events.getEvent('$m5-!b:test');
    assert.deepEqual(positions.get('!b:test'), [{ threadId: '', streamOrdering: m5?.streamOrdering }]);
    assert.equal(positions.has('!a:test'), false);
  });

  test('lazy events parse JSON on read', async () => {
    const [row] = (await storage.syncReads.currentState(['!a:test'])).get('!a:test')?.filter((r) => r.event_id === '$topic2') ?? [];
    assert.ok(row);
    const event = toLazyStoredEvent(row);
    assert.deepEqual(event.json.content, { topic: 'two' });
    assert.deepEqual({ ...event }.json, event.json);
    assert.equal(event.stateKey, '');
  });
});
