import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, room, type TestUser } from '../support/matrix.js';
import { TestServer } from '../support/server.js';

describe('room upgrade', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  const upgrade = (user: TestUser, roomId: string, body: unknown) => api<Record<string, any>>(server.baseUrl, 'POST', `${room(roomId)}/upgrade`, { token: user.token, body });
  const state = (user: TestUser, roomId: string, type: string) => api<Record<string, any>>(server.baseUrl, 'GET', `${room(roomId)}/state/${type}`, { token: user.token });

  before(async () => {
    server = await TestServer.start();
    [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
  });
  after(async () => server.dispose());

  it('replaces the room and copies state', async () => {
    const oldRoom = await createRoom(server, alice, {
      room_version: '10', name: 'Old name', topic: 'Kept topic', preset: 'public_chat', visibility: 'public', room_alias_name: 'upgraded', invite: [bob.userId],
    });
    await api(server.baseUrl, 'POST', `${room(oldRoom)}/join`, { token: bob.token });
    const response = await upgrade(alice, oldRoom, { new_version: '11' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const newRoom = response.body.replacement_room as string;
    assert.notEqual(newRoom, oldRoom);

    const tombstone = await state(bob, oldRoom, 'm.room.tombstone');
    assert.equal(tombstone.body.replacement_room, newRoom);
    const create = await state(alice, newRoom, 'm.room.create');
    assert.equal(create.body.room_version, '11');
    assert.equal(create.body.predecessor.room_id, oldRoom);
    assert.equal((await state(alice, newRoom, 'm.room.name')).body.name, 'Old name');
    assert.equal((await state(alice, newRoom, 'm.room.topic')).body.topic, 'Kept topic');
    assert.equal((await state(alice, newRoom, 'm.room.join_rules')).body.join_rule, 'public');
    assert.equal((await state(alice, newRoom, 'm.room.power_levels')).body.users[alice.userId], 100);

    const alias = await api<{ room_id: string }>(server.baseUrl, 'GET', `/_matrix/client/v3/directory/room/${encodeURIComponent('#upgraded:localhost')}`);
    assert.equal(alias.body.room_id, newRoom);
    const oldLevels = await state(alice, oldRoom, 'm.room.power_levels');
    assert.equal(oldLevels.body.events_default, 50);
    assert.equal(oldLevels.body.invite, 50);
    const listed = await api<{ chunk: Array<{ room_id: string }> }>(server.baseUrl, 'GET', '/_matrix/client/v3/publicRooms');
    assert.ok(listed.body.chunk.some((entry) => entry.room_id === newRoom));
    assert.ok(!listed.body.chunk.some((entry) => entry.room_id === oldRoom));

    const join = await api(server.baseUrl, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(newRoom)}`, { token: bob.token });
    assert.equal(join.status, 200);
  });

  it('upgrade to version 12 drops the creator from users', async () => {
    const oldRoom = await createRoom(server, alice, { room_version: '11' });
    const response = await upgrade(alice, oldRoom, { new_version: '12' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const levels = await state(alice, response.body.replacement_room, 'm.room.power_levels');
    assert.equal(levels.body.users?.[alice.userId], undefined);
    const name = await api(server.baseUrl, 'PUT', `${room(response.body.replacement_room)}/state/m.room.name`, { token: alice.token, body: { name: 'Creator can still write' } });
    assert.equal(name.status, 200);
  });

  it('upgrade errors use spec codes', async () => {
    const roomId = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
    const unsupported = await upgrade(alice, roomId, { new_version: '99' });
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.body.errcode, 'M_UNSUPPORTED_ROOM_VERSION');
    const denied = await upgrade(bob, roomId, { new_version: '11' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.errcode, 'M_FORBIDDEN');
    const missing = await upgrade(alice, roomId, {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errcode, 'M_BAD_JSON');
    const unknown = await upgrade(alice, '!unknown:localhost', { new_version: '11' });
    assert.equal(unknown.status, 404);
  });
});
