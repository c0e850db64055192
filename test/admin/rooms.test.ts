import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, passwordLogin } from '../support/client.js';
import { createRoom, createUser, room, sendText, type TestUser } from '../support/matrix.js';
import { registerUser, TestServer } from '../support/server.js';
import { enc, waitForLogLine } from './admin-support.js';

interface RoomEntry { room_id: string; name: string | null; joined_members: number; creator: string; version: string; public: boolean }

describe('admin API: rooms', () => {
  let server: TestServer;
  let admin: TestUser;
  let alice: TestUser;
  let namedRoom: string;

  before(async () => {
    server = await TestServer.start();
    await registerUser(server, 'boss', 'boss-password', true);
    admin = await passwordLogin(server.baseUrl, 'boss', 'boss-password');
    alice = await createUser(server, 'alice');
    namedRoom = await createRoom(server, alice, { name: 'Planning', preset: 'public_chat', room_alias_name: 'planning' });
    await createRoom(server, alice, { name: 'Second' });
  });
  after(() => server.dispose());

  const asAdmin = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
    api<T>(server.baseUrl, method, path, { token: admin.token, body });

  it('lists rooms with their state', async () => {
    const response = await asAdmin<{ rooms: RoomEntry[]; total_rooms: number; offset: number }>('GET', '/_synapse/admin/v1/rooms');
    assert.equal(response.status, 200);
    assert.equal(response.body.total_rooms, 2);
    assert.equal(response.body.offset, 0);
    const planning = response.body.rooms.find((entry) => entry.room_id === namedRoom);
    assert.equal(planning?.name, 'Planning');
    assert.equal(planning?.joined_members, 1);
    assert.equal(planning?.creator, alice.userId);
  });

  it('pages through rooms', async () => {
    const first = await asAdmin<{ rooms: RoomEntry[]; next_batch?: number }>('GET', '/_synapse/admin/v1/rooms?limit=1');
    assert.equal(first.body.rooms.length, 1);
    assert.equal(first.body.next_batch, 1);
    const second = await asAdmin<{ rooms: RoomEntry[]; next_batch?: number }>('GET', '/_synapse/admin/v1/rooms?limit=1&from=1');
    assert.equal(second.body.rooms.length, 1);
    assert.notEqual(second.body.rooms[0]?.room_id, first.body.rooms[0]?.room_id);
    assert.equal(second.body.next_batch, undefined);
  });

  it('shows room details', async () => {
    const response = await asAdmin<RoomEntry & { canonical_alias: string; join_rules: string }>('GET', `/_synapse/admin/v1/rooms/${enc(namedRoom)}`);
    assert.equal(response.status, 200);
    assert.equal(response.body.canonical_alias, '#planning:localhost');
    assert.equal(response.body.join_rules, 'public');
  });

  it('lists room members', async () => {
    const response = await asAdmin<{ members: string[]; total: number }>('GET', `/_synapse/admin/v1/rooms/${enc(namedRoom)}/members`);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.members, [alice.userId]);
    assert.equal(response.body.total, 1);
  });

  it('returns 404 for an unknown room', async () => {
    const response = await asAdmin<{ errcode: string }>('GET', `/_synapse/admin/v1/rooms/${enc('!missing:localhost')}`);
    assert.equal(response.status, 404);
    assert.equal(response.body.errcode, 'M_NOT_FOUND');
  });

  it('deletes and purges a room', async () => {
    const bob = await createUser(server, 'bob');
    await api(server.baseUrl, 'POST', `/_matrix/client/v3/join/${enc(namedRoom)}`, { token: bob.token, body: {} });
    await sendText(server, alice, namedRoom, 'to be purged');

    const deleted = await asAdmin<{ delete_id: string }>('DELETE', `/_synapse/admin/v2/rooms/${enc(namedRoom)}`, { purge: true });
    assert.equal(deleted.status, 200);
    assert.ok(deleted.body.delete_id);

    const status = await asAdmin<{ status: string; shutdown_room: { kicked_users: string[]; local_aliases: string[] } }>(
      'GET', `/_synapse/admin/v2/rooms/delete_status/${enc(deleted.body.delete_id)}`,
    );
    assert.equal(status.body.status, 'complete');
    assert.deepEqual([...status.body.shutdown_room.kicked_users].sort(), [alice.userId, bob.userId].sort());
    assert.deepEqual(status.body.shutdown_room.local_aliases, ['#planning:localhost']);
    const byRoom = await asAdmin<{ results: Array<{ delete_id: string }> }>('GET', `/_synapse/admin/v2/rooms/${enc(namedRoom)}/delete_status`);
    assert.equal(byRoom.body.results[0]?.delete_id, deleted.body.delete_id);

    const details = await asAdmin('GET', `/_synapse/admin/v1/rooms/${enc(namedRoom)}`);
    assert.equal(details.status, 404);
    const alias = await api(server.baseUrl, 'GET', `/_matrix/client/v3/directory/room/${enc('#planning:localhost')}`);
    assert.equal(alias.status, 404);
    const messages = await api(server.baseUrl, 'GET', `${room(namedRoom)}/messages?dir=b`, { token: alice.token });
    assert.notEqual(messages.status, 200);
    const sent = await api<{ errcode: string }>(server.baseUrl, 'PUT', `${room(namedRoom)}/send/m.room.message/after-purge`, {
      token: alice.token, body: { msgtype: 'm.text', body: 'after the purge' },
    });
    assert.equal(sent.status, 404);
    assert.equal(sent.body.errcode, 'M_NOT_FOUND');
    const list = await asAdmin<{ total_rooms: number }>('GET', '/_synapse/admin/v1/rooms');
    assert.equal(list.body.total_rooms, 1);
    await waitForLogLine(server, '"action":"delete_room"', `"target":"${namedRoom}"`);
  });

  it('deletes a room without a body', async () => {
    const roomId = await createRoom(server, alice, { name: 'Bodyless' });
    const response = await asAdmin<{ kicked_users: string[] }>('DELETE', `/_synapse/admin/v1/rooms/${enc(roomId)}`);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.kicked_users, [alice.userId]);
  });

  it('rejects deletion by a non-admin', async () => {
    const roomId = await createRoom(server, alice);
    const response = await api<{ errcode: string }>(server.baseUrl, 'DELETE', `/_synapse/admin/v2/rooms/${enc(roomId)}`, { token: alice.token, body: {} });
    assert.equal(response.status, 403);
    assert.equal(response.body.errcode, 'M_FORBIDDEN');
  });
});
