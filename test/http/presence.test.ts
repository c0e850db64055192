import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, room, sync, type TestUser } from '../support/matrix.js';
import { TestServer } from '../support/server.js';

type PresenceEvent = { type: string; sender: string; content: Record<string, unknown> };

const status = (userId: string) => `/_matrix/client/v3/presence/${encodeURIComponent(userId)}/status`;

function presenceOf(body: Record<string, any>, userId: string): PresenceEvent | undefined {
  return (body.presence.events as PresenceEvent[]).find((event) => event.sender === userId);
}

describe('presence', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  before(async () => {
    server = await TestServer.start();
    [alice, bob, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'carol')]);
    const roomId = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
  });
  after(async () => server.dispose());

  it('set presence reaches room members', async () => {
    const start = await sync(server, bob);
    const put = await api(server.baseUrl, 'PUT', status(alice.userId), { token: alice.token, body: { presence: 'unavailable', status_msg: 'lunch' } });
    assert.equal(put.status, 200);
    const result = await sync(server, bob, `since=${start.next_batch}&timeout=5000`);
    const event = presenceOf(result, alice.userId);
    assert.equal(event?.type, 'm.presence');
    assert.equal(event?.content.presence, 'unavailable');
    assert.equal(event?.content.status_msg, 'lunch');
  });

  it('get presence of a room member', async () => {
    await api(server.baseUrl, 'PUT', status(alice.userId), { token: alice.token, body: { presence: 'online', status_msg: 'back' } });
    const read = await api(server.baseUrl, 'GET', status(alice.userId), { token: bob.token });
    assert.equal(read.status, 200);
    assert.equal(read.body.presence, 'online');
    assert.equal(read.body.status_msg, 'back');
    assert.equal(read.body.currently_active, true);
    assert.equal(typeof read.body.last_active_ago, 'number');
  });

  it('sync marks the user online', async () => {
    await sync(server, carol);
    const own = await api(server.baseUrl, 'GET', status(carol.userId), { token: carol.token });
    assert.equal(own.body.presence, 'online');
    await sync(server, carol, 'set_presence=unavailable');
    const idle = await api(server.baseUrl, 'GET', status(carol.userId), { token: carol.token });
    assert.equal(idle.body.presence, 'unavailable');
  });

  it('presence errors use spec codes', async () => {
    const other = await api(server.baseUrl, 'PUT', status(bob.userId), { token: alice.token, body: { presence: 'online' } });
    assert.equal(other.status, 403);
    assert.equal(other.body.errcode, 'M_FORBIDDEN');
    const unknownState = await api(server.baseUrl, 'PUT', status(alice.userId), { token: alice.token, body: { presence: 'asleep' } });
    assert.equal(unknownState.status, 400);
    assert.equal(unknownState.body.errcode, 'M_INVALID_PARAM');
    const missing = await api(server.baseUrl, 'PUT', status(alice.userId), { token: alice.token, body: {} });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errcode, 'M_BAD_JSON');
    const stranger = await api(server.baseUrl, 'GET', status(carol.userId), { token: alice.token });
    assert.equal(stranger.status, 403);
    const nobody = await api(server.baseUrl, 'GET', status('@nobody:localhost'), { token: alice.token });
    assert.equal(nobody.status, 404);
    assert.equal(nobody.body.errcode, 'M_NOT_FOUND');
    const invalid = await api(server.baseUrl, 'GET', status('not-a-user'), { token: alice.token });
    assert.equal(invalid.status, 400);
  });
});

describe('presence disabled', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    server = await TestServer.start({ config: { presence: { enabled: false } } });
    [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
    const roomId = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
  });
  after(async () => server.dispose());

  it('reads offline and sends nothing', async () => {
    const start = await sync(server, bob);
    const put = await api(server.baseUrl, 'PUT', status(alice.userId), { token: alice.token, body: { presence: 'online', status_msg: 'here' } });
    assert.equal(put.status, 200);
    const read = await api(server.baseUrl, 'GET', status(alice.userId), { token: bob.token });
    assert.deepEqual(read.body, { presence: 'offline' });
    const result = await sync(server, bob, `since=${start.next_batch}&timeout=300`);
    assert.deepEqual((result as unknown as { presence: unknown }).presence, { events: [] });
  });
});
