// Jumping to a date (GET /rooms/{roomId}/timestamp_to_event) over HTTP, with responses checked against the spec.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, room, sendText, type TestUser } from '../support/matrix.js';
import { assertNoViolations } from '../support/openapi.js';
import { TestServer } from '../support/server.js';
import { SpecClient } from '../support/spec-client.js';

type Json = Record<string, any>;

describe('timestamp to event', () => {
  let server: TestServer;
  let client: SpecClient;
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;
  const sent: Array<{ eventId: string; ts: number }> = [];

  const lookup = (user: TestUser, query: string, inRoom = roomId) =>
    client.request<Json>('GET', `/_matrix/client/v1/rooms/${encodeURIComponent(inRoom)}/timestamp_to_event?${query}`, { token: user.token });

  before(async () => {
    server = await TestServer.start();
    client = await SpecClient.create(server.baseUrl);
    [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
    roomId = await createRoom(server, alice, { preset: 'public_chat' });
    for (const text of ['first', 'second', 'third']) {
      // Apart by a few milliseconds, so each event has its own timestamp.
      await sleep(5);
      const eventId = await sendText(server, alice, roomId, text);
      const event = await api<Json>(server.baseUrl, 'GET', `${room(roomId)}/event/${encodeURIComponent(eventId)}`, { token: alice.token });
      sent.push({ eventId, ts: event.body.origin_server_ts as number });
      await sleep(5);
    }
  });
  after(async () => server.dispose());

  it('finds the nearest event in each direction', async () => {
    const [first, second, third] = sent as [typeof sent[0], typeof sent[0], typeof sent[0]];
    const exact = await lookup(alice, `ts=${second.ts}&dir=f`);
    assert.equal(exact.status, 200, JSON.stringify(exact.body));
    assert.deepEqual(exact.body, { event_id: second.eventId, origin_server_ts: second.ts });

    assert.equal((await lookup(alice, `ts=${first.ts + 1}&dir=f`)).body.event_id, second.eventId);
    assert.equal((await lookup(alice, `ts=${third.ts - 1}&dir=b`)).body.event_id, second.eventId);
    assert.equal((await lookup(alice, `ts=${third.ts}&dir=b`)).body.event_id, third.eventId);
  });

  it('returns 404 when no event lies that way', async () => {
    const future = await lookup(alice, `ts=${sent[2]!.ts + 60_000}&dir=f`);
    assert.equal(future.status, 404);
    assert.equal(future.body.errcode, 'M_NOT_FOUND');
    const past = await lookup(alice, 'ts=0&dir=b');
    assert.equal(past.status, 404);
  });

  it('hides events after the user left', async () => {
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
    await api(server.baseUrl, 'POST', `${room(roomId)}/leave`, { token: bob.token });
    await sleep(5);
    const afterLeave = await sendText(server, alice, roomId, 'after bob left');
    const forAlice = await lookup(alice, `ts=${Date.now() + 60_000}&dir=b`);
    assert.equal(forAlice.body.event_id, afterLeave);
    const forBob = await lookup(bob, `ts=${Date.now() + 60_000}&dir=b`);
    assert.equal(forBob.status, 200);
    assert.notEqual(forBob.body.event_id, afterLeave);
  });

  it('rejects outsiders and bad parameters', async () => {
    const outsider = await createUser(server, 'carol');
    const forbidden = await api<Json>(server.baseUrl, 'GET', `/_matrix/client/v1/rooms/${encodeURIComponent(roomId)}/timestamp_to_event?ts=0&dir=f`, { token: outsider.token });
    assert.equal(forbidden.status, 403);
    for (const query of ['dir=f', 'ts=0', 'ts=0&dir=sideways', 'ts=abc&dir=f', 'ts=-1&dir=f', 'ts=1e30&dir=f']) {
      const response = await api<Json>(server.baseUrl, 'GET', `/_matrix/client/v1/rooms/${encodeURIComponent(roomId)}/timestamp_to_event?${query}`, { token: alice.token });
      assert.equal(response.status, 400, `${query}: ${JSON.stringify(response.body)}`);
    }
  });

  it('responses follow the spec', async (t) => {
    await assertNoViolations(t, client.violations);
  });
});
