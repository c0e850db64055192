// Two Lattice processes on one PostgreSQL database behave as one server: a long-poll on one wakes
// for an event stored by the other, a logout on one ends the token on both, a transaction id sent
// to both gives one event, concurrent sends through both keep the room's graph linear, and a
// membership change stored by one process decides what the other accepts.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { api, passwordLogin } from '../support/client.js';
import { findGraphProblems } from '../support/event-graph.js';
import { openServerDatabase } from '../support/server-database.js';
import { createRoom, createUser, room, sendText, sync, type TestUser } from '../support/matrix.js';
import { postgresAdminUrl } from '../support/postgres.js';
import { TestServer } from '../support/server.js';

const skip = postgresAdminUrl() ? false : 'needs PostgreSQL (LATTICE_TEST_POSTGRES_URL)';
// A long-poll that is not woken runs this long; the test's own timeout is shorter, so a missing
// wake-up fails the test instead of passing late.
const LONG_POLL_MS = 60_000;

describe('two processes on one database', { skip, timeout: 120_000 }, () => {
  let first: TestServer;
  let second: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;

  before(async () => {
    first = await TestServer.start({ database: 'postgres' });
    second = await TestServer.start({ sameDatabaseAs: first });
    alice = await createUser(first, 'alice');
    bob = await createUser(first, 'bob');
    roomId = await createRoom(first, alice, { preset: 'public_chat' });
    const joined = await api(second.baseUrl, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: bob.token, body: {} });
    assert.equal(joined.status, 200);
  });

  after(async () => {
    await second?.dispose();
    await first?.dispose();
  });

  test('long-poll wakes for other process', { timeout: 30_000 }, async () => {
    const start = await sync(second, bob);
    const polling = api<{ rooms: { join: Record<string, { timeline: { events: Array<{ event_id: string }> } }> } }>(
      second.baseUrl, 'GET', `/_matrix/client/v3/sync?since=${start.next_batch}&timeout=${LONG_POLL_MS}`, { token: bob.token },
    );
    // Gives the request time to start waiting, so the send below wakes it rather than precedes it.
    await delay(500);
    const eventId = await sendText(first, alice, roomId, 'across processes');
    const response = await polling;
    assert.equal(response.status, 200);
    const timeline = response.body.rooms.join[roomId]?.timeline.events.map((event) => event.event_id);
    assert.deepEqual(timeline, [eventId]);
  });

  test('logout ends token on both', { timeout: 30_000 }, async () => {
    const session = await passwordLogin(first.baseUrl, 'bob', 'bob-password');
    // Both processes have now cached the session.
    assert.equal((await api(first.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: session.token })).status, 200);
    assert.equal((await api(second.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: session.token })).status, 200);

    assert.equal((await api(first.baseUrl, 'POST', '/_matrix/client/v3/logout', { token: session.token, body: {} })).status, 200);
    const deadline = Date.now() + 1000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await api(second.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: session.token })).status;
      if (status === 200) await delay(50);
    }
    assert.equal(status, 401, 'the second process rejects the token within a second');
  });

  test('same txnId on both gives one event', async () => {
    const path = `${room(roomId)}/send/m.room.message/shared-txn-1`;
    const body = { msgtype: 'm.text', body: 'sent twice' };
    const [one, two] = await Promise.all([
      api<{ event_id: string }>(first.baseUrl, 'PUT', path, { token: alice.token, body }),
      api<{ event_id: string }>(second.baseUrl, 'PUT', path, { token: alice.token, body }),
    ]);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(two.status, 200, JSON.stringify(two.body));
    assert.equal(one.body.event_id, two.body.event_id);

    const db = await openServerDatabase(first);
    try {
      const copies = await db.selectFrom('events').select('event_id').where('room_id', '=', roomId).where('event_json', 'like', '%sent twice%').execute();
      assert.equal(copies.length, 1);
    } finally {
      await db.destroy();
    }
  });

  test('concurrent sends keep graph linear', async () => {
    const sends: Array<Promise<string>> = [];
    for (let i = 0; i < 20; i += 1) {
      sends.push(sendText(first, alice, roomId, `first ${i}`));
      sends.push(sendText(second, bob, roomId, `second ${i}`));
    }
    const eventIds = await Promise.all(sends);
    assert.equal(new Set(eventIds).size, 40);

    const db = await openServerDatabase(first);
    try {
      assert.deepEqual(await findGraphProblems(db, roomId), []);
    } finally {
      await db.destroy();
    }
  });

  test('membership change seen by other process', async () => {
    const carol = await createUser(first, 'carol');
    const join = (server: TestServer) => api(server.baseUrl, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: carol.token, body: {} });
    const send = (server: TestServer, body: string) => api(server.baseUrl, 'PUT', `${room(roomId)}/send/m.room.message/carol-${body}`, {
      token: carol.token, body: { msgtype: 'm.text', body },
    });
    assert.equal((await join(first)).status, 200);
    // The first process has now written for carol and caches her membership as joined.
    assert.equal((await send(first, 'joined')).status, 200);

    const leave = (server: TestServer) => api(server.baseUrl, 'POST', `${room(roomId)}/leave`, { token: carol.token, body: {} });
    assert.equal((await leave(second)).status, 200);
    const afterLeave = await send(first, 'after-leave');
    assert.equal(afterLeave.status, 403, JSON.stringify(afterLeave.body));

    // The first process writes carol's leave, so it caches her as not joined. A join stored by the
    // second must still let her send through the first.
    assert.equal((await join(first)).status, 200);
    assert.equal((await leave(first)).status, 200);
    assert.equal((await join(second)).status, 200);
    const afterRejoin = await send(first, 'after-rejoin');
    assert.equal(afterRejoin.status, 200, JSON.stringify(afterRejoin.body));
  });
});
