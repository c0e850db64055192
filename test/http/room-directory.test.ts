import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, room, sendText, sync, type TestUser } from '../support/matrix.js';
import { TestServer } from '../support/server.js';
import { turnCredentials } from '../../src/http/routes/voip.js';

const V3 = '/_matrix/client/v3';
const tagsPath = (user: TestUser, roomId: string, tag?: string) =>
  `${V3}/user/${encodeURIComponent(user.userId)}/rooms/${encodeURIComponent(roomId)}/tags${tag === undefined ? '' : `/${encodeURIComponent(tag)}`}`;

describe('tags, directories and small endpoints', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let dave: TestUser;
  let publicRoom: string;

  before(async () => {
    server = await TestServer.start({ config: { user_directory: { search_all_users: false } } });
    [alice, bob, dave] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'dave')]);
    await api(server.baseUrl, 'PUT', `${V3}/profile/${encodeURIComponent(dave.userId)}/displayname`, { token: dave.token, body: { displayname: 'Dave 50%_Done' } });
    publicRoom = await createRoom(server, alice, { preset: 'public_chat', visibility: 'public', name: 'Lobby', topic: 'General talk', room_alias_name: 'lobby' });
    await createRoom(server, alice, { preset: 'public_chat', visibility: 'public', name: 'Kitchen' });
    await api(server.baseUrl, 'POST', `${V3}/join/${encodeURIComponent(publicRoom)}`, { token: dave.token });
  });
  after(async () => server.dispose());

  it('tags round-trip and reach sync', async () => {
    const roomId = await createRoom(server, alice);
    const start = await sync(server, alice);
    assert.equal((await api(server.baseUrl, 'PUT', tagsPath(alice, roomId, 'm.favourite'), { token: alice.token, body: { order: 0.25 } })).status, 200);
    assert.equal((await api(server.baseUrl, 'PUT', tagsPath(alice, roomId, 'u.work'), { token: alice.token, body: {} })).status, 200);
    const read = await api(server.baseUrl, 'GET', tagsPath(alice, roomId), { token: alice.token });
    assert.deepEqual(read.body, { tags: { 'm.favourite': { order: 0.25 }, 'u.work': {} } });

    const result = await sync(server, alice, `since=${start.next_batch}&timeout=5000`);
    const tagEvent = result.rooms.join[roomId]?.account_data.events.find((event) => event.type === 'm.tag');
    assert.deepEqual(tagEvent?.content, { tags: { 'm.favourite': { order: 0.25 }, 'u.work': {} } });

    assert.equal((await api(server.baseUrl, 'DELETE', tagsPath(alice, roomId, 'u.work'), { token: alice.token })).status, 200);
    const after = await api(server.baseUrl, 'GET', tagsPath(alice, roomId), { token: alice.token });
    assert.deepEqual(after.body, { tags: { 'm.favourite': { order: 0.25 } } });
  });

  it('tag errors use spec codes', async () => {
    const roomId = await createRoom(server, alice);
    const other = await api(server.baseUrl, 'GET', tagsPath(bob, roomId), { token: alice.token });
    assert.equal(other.status, 403);
    assert.equal(other.body.errcode, 'M_FORBIDDEN');
    const badOrder = await api(server.baseUrl, 'PUT', tagsPath(alice, roomId, 'm.lowpriority'), { token: alice.token, body: { order: 'first' } });
    assert.equal(badOrder.status, 400);
    assert.equal(badOrder.body.errcode, 'M_BAD_JSON');
    const badRoom = await api(server.baseUrl, 'GET', `${V3}/user/${encodeURIComponent(alice.userId)}/rooms/not-a-room/tags`, { token: alice.token });
    assert.equal(badRoom.status, 400);
    assert.equal(badRoom.body.errcode, 'M_INVALID_PARAM');
  });

  it('public rooms list and search', async () => {
    const all = await api<{ chunk: Array<Record<string, any>>; total_room_count_estimate: number }>(server.baseUrl, 'GET', `${V3}/publicRooms`);
    assert.equal(all.status, 200);
    const lobby = all.body.chunk.find((entry) => entry.room_id === publicRoom);
    assert.equal(lobby?.name, 'Lobby');
    assert.equal(lobby?.topic, 'General talk');
    assert.equal(lobby?.canonical_alias, '#lobby:localhost');
    assert.equal(lobby?.num_joined_members, 2);
    assert.equal(lobby?.join_rule, 'public');
    assert.equal(lobby?.world_readable, false);
    assert.equal(all.body.chunk[0]?.room_id, publicRoom, 'the room with more members comes first');

    const found = await api<{ chunk: Array<Record<string, any>> }>(server.baseUrl, 'POST', `${V3}/publicRooms`, {
      token: bob.token, body: { filter: { generic_search_term: 'kitch' } },
    });
    assert.deepEqual(found.body.chunk.map((entry) => entry.name), ['Kitchen']);
  });

  it('public rooms paginate with tokens', async () => {
    const first = await api<{ chunk: unknown[]; next_batch?: string }>(server.baseUrl, 'GET', `${V3}/publicRooms?limit=1`);
    assert.equal(first.body.chunk.length, 1);
    assert.ok(first.body.next_batch);
    const second = await api<{ chunk: unknown[]; next_batch?: string; prev_batch?: string }>(server.baseUrl, 'GET', `${V3}/publicRooms?limit=1&since=${first.body.next_batch}`);
    assert.equal(second.body.chunk.length, 1);
    assert.notDeepEqual(second.body.chunk, first.body.chunk);
    assert.ok(second.body.prev_batch);
    const bad = await api(server.baseUrl, 'GET', `${V3}/publicRooms?since=garbage`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errcode, 'M_INVALID_PARAM');
  });

  it('directory visibility follows the room power', async () => {
    const roomId = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
    const path = `${V3}/directory/list/room/${encodeURIComponent(roomId)}`;
    assert.deepEqual((await api(server.baseUrl, 'GET', path)).body, { visibility: 'private' });
    const denied = await api(server.baseUrl, 'PUT', path, { token: bob.token, body: { visibility: 'public' } });
    assert.equal(denied.status, 403);
    assert.equal((await api(server.baseUrl, 'PUT', path, { token: alice.token, body: { visibility: 'public' } })).status, 200);
    assert.deepEqual((await api(server.baseUrl, 'GET', path)).body, { visibility: 'public' });
    const bad = await api(server.baseUrl, 'PUT', path, { token: alice.token, body: { visibility: 'hidden' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errcode, 'M_BAD_JSON');
    const missing = await api(server.baseUrl, 'GET', `${V3}/directory/list/room/${encodeURIComponent('!missing:localhost')}`);
    assert.equal(missing.status, 404);
  });

  it('user search finds shared and public members', async () => {
    const byName = await api<{ results: Array<Record<string, string>>; limited: boolean }>(server.baseUrl, 'POST', `${V3}/user_directory/search`, {
      token: bob.token, body: { search_term: '50%_d' },
    });
    assert.equal(byName.status, 200);
    assert.deepEqual(byName.body.results, [{ user_id: dave.userId, display_name: 'Dave 50%_Done' }]);
    assert.equal(byName.body.limited, false);

    const wildcardIsLiteral = await api<{ results: unknown[] }>(server.baseUrl, 'POST', `${V3}/user_directory/search`, { token: bob.token, body: { search_term: '%' } });
    assert.deepEqual(wildcardIsLiteral.body.results, [{ user_id: dave.userId, display_name: 'Dave 50%_Done' }]);

    const limited = await api<{ results: unknown[]; limited: boolean }>(server.baseUrl, 'POST', `${V3}/user_directory/search`, { token: bob.token, body: { search_term: 'localhost', limit: 1 } });
    assert.equal(limited.body.results.length, 1);
    assert.equal(limited.body.limited, true);
  });

  it('user search without search_all_users finds exact ids only', async () => {
    const loner = await createUser(server, 'loner');
    const partial = await api<{ results: unknown[] }>(server.baseUrl, 'POST', `${V3}/user_directory/search`, { token: bob.token, body: { search_term: 'loner' } });
    assert.deepEqual(partial.body.results, []);
    const exact = await api<{ results: Array<Record<string, string>> }>(server.baseUrl, 'POST', `${V3}/user_directory/search`, { token: bob.token, body: { search_term: loner.userId } });
    assert.deepEqual(exact.body.results.map((result) => result.user_id), [loner.userId]);
    const missing = await api(server.baseUrl, 'POST', `${V3}/user_directory/search`, { token: bob.token, body: {} });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errcode, 'M_BAD_JSON');
  });

  it('room summary previews public rooms', async () => {
    const summaryPath = (target: string) => `/_matrix/client/v1/room_summary/${encodeURIComponent(target)}`;
    const anonymous = await api<Record<string, any>>(server.baseUrl, 'GET', summaryPath('#lobby:localhost'));
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.body.room_id, publicRoom);
    assert.equal(anonymous.body.name, 'Lobby');
    assert.equal(anonymous.body.room_version, '11');
    assert.equal(anonymous.body.membership, undefined);
    const asMember = await api<Record<string, any>>(server.baseUrl, 'GET', summaryPath(publicRoom), { token: dave.token });
    assert.equal(asMember.body.membership, 'join');

    const privateRoom = await createRoom(server, alice, { name: 'Secret' });
    const hidden = await api(server.baseUrl, 'GET', summaryPath(privateRoom), { token: bob.token });
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.errcode, 'M_NOT_FOUND');
    const own = await api<Record<string, any>>(server.baseUrl, 'GET', summaryPath(privateRoom), { token: alice.token });
    assert.equal(own.body.name, 'Secret');
    const badAlias = await api(server.baseUrl, 'GET', summaryPath('#nope:localhost'));
    assert.equal(badAlias.status, 404);
    const invalid = await api(server.baseUrl, 'GET', summaryPath('lobby'));
    assert.equal(invalid.status, 400);
  });

  it('small endpoints answer as specified', async () => {
    assert.deepEqual((await api(server.baseUrl, 'GET', `${V3}/account/3pid`, { token: alice.token })).body, { threepids: [] });
    assert.deepEqual((await api(server.baseUrl, 'GET', `${V3}/thirdparty/protocols`, { token: alice.token })).body, {});
    assert.equal((await api(server.baseUrl, 'GET', `${V3}/account/3pid`)).status, 401);
  });

  it('turn server unconfigured returns empty', async () => {
    const response = await api(server.baseUrl, 'GET', `${V3}/voip/turnServer`, { token: alice.token });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, {});
  });

  it('turn credentials follow coturn scheme', () => {
    const nowMs = 1_700_000_000_500;
    const { username, password } = turnCredentials('@alice:localhost', 'turn-secret', 600, nowMs);
    assert.equal(username, '1700000600:@alice:localhost');
    assert.equal(password, createHmac('sha1', 'turn-secret').update(username).digest('base64'));
  });

  it('context returns surrounding events', async () => {
    const roomId = await createRoom(server, alice, { name: 'Context' });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await sendText(server, alice, roomId, `c${i}`));
    const response = await api<Record<string, any>>(server.baseUrl, 'GET', `${room(roomId)}/context/${encodeURIComponent(ids[2] as string)}?limit=4`, { token: alice.token });
    assert.equal(response.status, 200);
    assert.equal(response.body.event.event_id, ids[2]);
    assert.deepEqual(response.body.events_before.map((event: any) => event.content.body), ['c1', 'c0']);
    assert.deepEqual(response.body.events_after.map((event: any) => event.content.body), ['c3', 'c4']);
    assert.ok(response.body.state.some((event: any) => event.type === 'm.room.name'));

    const older = await api<{ chunk: Array<Record<string, any>> }>(server.baseUrl, 'GET', `${room(roomId)}/messages?dir=b&limit=1&from=${response.body.start}`, { token: alice.token });
    // The page before the context starts with the state event written just before c0.
    assert.equal(older.body.chunk.length, 1);
    assert.equal(older.body.chunk[0]?.type, 'm.room.name');

    const outsider = await api(server.baseUrl, 'GET', `${room(roomId)}/context/${encodeURIComponent(ids[2] as string)}`, { token: bob.token });
    assert.equal(outsider.status, 403);
    const missing = await api(server.baseUrl, 'GET', `${room(roomId)}/context/${encodeURIComponent('$missing')}`, { token: alice.token });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.errcode, 'M_NOT_FOUND');
    const badFilter = await api(server.baseUrl, 'GET', `${room(roomId)}/context/${encodeURIComponent(ids[2] as string)}?filter=nope`, { token: alice.token });
    assert.equal(badFilter.status, 400);
  });
});

describe('user directory with search_all_users', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
  });
  after(async () => server.dispose());

  it('user search finds users sharing no room', async () => {
    const [searcher, colleague] = await Promise.all([createUser(server, 'searcher'), createUser(server, 'colleague')]);
    const found = await api<{ results: Array<Record<string, string>> }>(server.baseUrl, 'POST', `${V3}/user_directory/search`, {
      token: searcher.token, body: { search_term: 'collea' },
    });
    assert.equal(found.status, 200);
    assert.deepEqual(found.body.results.map((result) => result.user_id), [colleague.userId]);
  });
});
