// No lost writes: the server is killed with SIGKILL in the middle of a send load and started
// again on the same database. Every send that was answered with an event_id must be stored, the
// room's event graph must be intact and linear, and the restarted server must accept new sends,
// all without any repair step. Runs on the backend of the pass (SQLite, then PostgreSQL).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api } from '../support/client.js';
import { findGraphProblems } from '../support/event-graph.js';
import { openServerDatabase } from '../support/server-database.js';
import { createRoom, createUser, room, sendText, type TestUser } from '../support/matrix.js';
import { testBackend } from '../support/postgres.js';
import { TestServer } from '../support/server.js';

const SENDERS = 8;
// The kill comes after this many answered sends, so it always lands in the middle of the load.
const KILL_AFTER_ACKS = 150;
// Bounds the load should the kill not stop it.
const MAX_SENDS_PER_SENDER = 500;

describe(`SIGKILL during sends on ${testBackend()}`, { timeout: 120_000 }, () => {
  let server: TestServer;
  let alice: TestUser;
  let roomId: string;
  const acknowledged: string[] = [];
  let failedAfterKill = 0;

  before(async () => {
    server = await TestServer.start();
    alice = await createUser(server, 'alice');
    roomId = await createRoom(server, alice);

    let killed: Promise<void> | undefined;
    const sender = async (index: number) => {
      for (let i = 0; i < MAX_SENDS_PER_SENDER; i += 1) {
        const response = await api<{ event_id?: string }>(server.baseUrl, 'PUT', `${room(roomId)}/send/m.room.message/load-${index}-${i}`, {
          token: alice.token, body: { msgtype: 'm.text', body: `load ${index}-${i}` },
        }).catch(() => undefined);
        if (!response) {
          failedAfterKill += 1;
          return;
        }
        // Any answer other than an event id is a failure of the server before the kill.
        assert.equal(response.status, 200, JSON.stringify(response.body));
        acknowledged.push(response.body.event_id!);
        if (acknowledged.length === KILL_AFTER_ACKS) killed = server.kill();
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, (_, index) => sender(index)));
    await killed;
    await server.restart();
  });

  after(() => server?.dispose());

  test('load was cut by the kill', () => {
    assert.ok(acknowledged.length >= KILL_AFTER_ACKS);
    assert.ok(failedAfterKill > 0, 'some sends were in flight or refused when the server died');
  });

  test('every acknowledged send is stored', async () => {
    const db = await openServerDatabase(server);
    try {
      const rows = await db.selectFrom('events').select('event_id').where('event_id', 'in', acknowledged).execute();
      const stored = new Set(rows.map((row) => row.event_id));
      assert.deepEqual(acknowledged.filter((eventId) => !stored.has(eventId)), []);
    } finally {
      await db.destroy();
    }
  });

  test('event graph is intact', async () => {
    const db = await openServerDatabase(server);
    try {
      assert.deepEqual(await findGraphProblems(db, roomId), []);
    } finally {
      await db.destroy();
    }
  });

  test('restarted server accepts sends', async () => {
    const eventId = await sendText(server, alice, roomId, 'after the crash');
    const db = await openServerDatabase(server);
    try {
      assert.deepEqual(await findGraphProblems(db, roomId), []);
      const newest = await db.selectFrom('events').select('event_id').where('room_id', '=', roomId).orderBy('stream_ordering', 'desc').limit(1).executeTakeFirst();
      assert.equal(newest?.event_id, eventId);
    } finally {
      await db.destroy();
    }
  });
});
