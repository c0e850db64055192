// The space hierarchy (GET /rooms/{roomId}/hierarchy) over HTTP, with every 200 checked against the spec.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, room, type TestUser } from '../support/matrix.js';
import { assertNoViolations } from '../support/openapi.js';
import { TestServer } from '../support/server.js';
import { SpecClient } from '../support/spec-client.js';

type Json = Record<string, any>;

describe('space hierarchy', () => {
  let server: TestServer;
  let client: SpecClient;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let space: string;
  let publicRoom: string;
  let privateRoom: string;
  let subspace: string;
  let nested: string;
  let restricted: string;
  let unlinked: string;

  const hierarchy = (user: TestUser, roomId: string, query = '') =>
    client.request<Json>('GET', `/_matrix/client/v1/rooms/${encodeURIComponent(roomId)}/hierarchy${query ? `?${query}` : ''}`, { token: user.token });
  const roomIds = (body: Json) => body.rooms.map((entry: Json) => entry.room_id as string);
  const addChild = async (parent: string, child: string, content: Json) => {
    const response = await api(server.baseUrl, 'PUT', `${room(parent)}/state/m.space.child/${encodeURIComponent(child)}`, { token: alice.token, body: content });
    assert.equal(response.status, 200, JSON.stringify(response.body));
  };

  before(async () => {
    server = await TestServer.start();
    client = await SpecClient.create(server.baseUrl);
    [alice, bob, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'carol')]);
    const spaceRoom = { creation_content: { type: 'm.space' }, preset: 'public_chat' };
    space = await createRoom(server, alice, { ...spaceRoom, name: 'Company', topic: 'Everything', invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(space)}/join`, { token: bob.token });
    publicRoom = await createRoom(server, alice, { preset: 'public_chat', name: 'Lobby' });
    privateRoom = await createRoom(server, alice, { preset: 'private_chat', name: 'Secret' });
    subspace = await createRoom(server, alice, { ...spaceRoom, name: 'Team' });
    nested = await createRoom(server, alice, { preset: 'public_chat', name: 'Team chat' });
    restricted = await createRoom(server, alice, {
      preset: 'private_chat', name: 'Members only',
      initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'restricted', allow: [{ type: 'm.room_membership', room_id: space }] } }],
    });
    unlinked = await createRoom(server, alice, { preset: 'public_chat', name: 'Unlinked' });

    await addChild(space, publicRoom, { via: ['localhost'], order: 'a' });
    await addChild(space, privateRoom, { via: ['localhost'], order: 'b' });
    await addChild(space, subspace, { via: ['localhost'], order: 'c', suggested: true });
    await addChild(space, restricted, { via: ['localhost'], order: 'd' });
    await addChild(space, unlinked, { via: [] });
    await addChild(subspace, nested, { via: ['localhost'], suggested: true });
    // A loop back to the top must not make the walk repeat or hang.
    await addChild(subspace, space, { via: ['localhost'] });
  });
  after(async () => server.dispose());

  it('walks the tree depth-first in space order', async () => {
    const response = await hierarchy(alice, space);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(roomIds(response.body), [space, publicRoom, privateRoom, subspace, nested, restricted]);
    assert.equal(response.body.next_batch, undefined);
  });

  it('describes rooms with their children', async () => {
    const response = await hierarchy(alice, space);
    const top = response.body.rooms[0];
    assert.equal(top.name, 'Company');
    assert.equal(top.topic, 'Everything');
    assert.equal(top.room_type, 'm.space');
    assert.equal(top.join_rule, 'public');
    assert.equal(top.num_joined_members, 2);
    assert.equal(top.world_readable, false);
    assert.equal(top.guest_can_join, false);
    const children = top.children_state.map((event: Json) => event.state_key);
    assert.deepEqual(children, [publicRoom, privateRoom, subspace, restricted], 'a child without via is left out');
    const first = top.children_state[0];
    assert.equal(first.type, 'm.space.child');
    assert.equal(first.sender, alice.userId);
    assert.equal(typeof first.origin_server_ts, 'number');
    assert.deepEqual(first.content, { via: ['localhost'], order: 'a' });
    assert.equal(first.event_id, undefined, 'children_state holds stripped events');
    const lobby = response.body.rooms.find((entry: Json) => entry.room_id === publicRoom);
    assert.deepEqual(lobby.children_state, []);
    assert.equal(lobby.room_type, undefined);
  });

  it('shows each user only rooms they may see', async () => {
    const forBob = await hierarchy(bob, space);
    assert.deepEqual(roomIds(forBob.body), [space, publicRoom, subspace, nested, restricted], 'bob may join the restricted room through the space');
    const forCarol = await hierarchy(carol, space);
    assert.deepEqual(roomIds(forCarol.body), [space, publicRoom, subspace, nested]);
  });

  it('follows only suggested children', async () => {
    const response = await hierarchy(alice, space, 'suggested_only=true');
    assert.deepEqual(roomIds(response.body), [space, subspace, nested]);
  });

  it('stops at max_depth', async () => {
    assert.deepEqual(roomIds((await hierarchy(alice, space, 'max_depth=1')).body), [space, publicRoom, privateRoom, subspace, restricted]);
    assert.deepEqual(roomIds((await hierarchy(alice, space, 'max_depth=0')).body), [space]);
  });

  it('paginates with from', async () => {
    const seen: string[] = [];
    let page = await hierarchy(alice, space, 'limit=2');
    seen.push(...roomIds(page.body));
    let pages = 1;
    while (page.body.next_batch) {
      page = await hierarchy(alice, space, `limit=2&from=${encodeURIComponent(page.body.next_batch)}`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      seen.push(...roomIds(page.body));
      pages += 1;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, [space, publicRoom, privateRoom, subspace, nested, restricted]);
  });

  it('rejects a token with other options', async () => {
    const first = await hierarchy(alice, space, 'limit=1');
    const token = encodeURIComponent(first.body.next_batch);
    for (const query of [`from=${token}&max_depth=1`, `from=${token}&suggested_only=true`, 'from=garbage']) {
      const response = await hierarchy(alice, space, query);
      assert.equal(response.status, 400, query);
      assert.equal(response.body.errcode, 'M_INVALID_PARAM', query);
    }
    const otherRoom = await hierarchy(alice, subspace, `from=${token}`);
    assert.equal(otherRoom.status, 400);
  });

  it('forbids rooms the user may not see', async () => {
    const hidden = await hierarchy(carol, privateRoom);
    assert.equal(hidden.status, 403);
    assert.equal(hidden.body.errcode, 'M_FORBIDDEN');
    const unknown = await hierarchy(alice, '!nothing:localhost');
    assert.equal(unknown.status, 403);
    const invalid = await api(server.baseUrl, 'GET', `/_matrix/client/v1/rooms/not-a-room/hierarchy`, { token: alice.token });
    assert.equal(invalid.status, 400);
    const badLimit = await api(server.baseUrl, 'GET', `/_matrix/client/v1/rooms/${encodeURIComponent(space)}/hierarchy?limit=0`, { token: alice.token });
    assert.equal(badLimit.status, 400);
  });

  it('responses follow the spec', async (t) => {
    await assertNoViolations(t, client.violations);
  });
});
