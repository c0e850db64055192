import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, room, sendText, sync, type TestUser } from '../support/matrix.js';
import { TestServer } from '../support/server.js';

describe('rooms over HTTP', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  before(async () => {
    server = await TestServer.start();
    [alice, bob, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'carol')]);
  });
  after(async () => server.dispose());

  it('createRoom applies name, topic, preset and alias', async () => {
    const roomId = await createRoom(server, alice, { name: 'Planning', topic: 'Q3', preset: 'public_chat', room_alias_name: 'planning' });
    const state = await api<Array<Record<string, any>>>(server.baseUrl, 'GET', `${room(roomId)}/state`, { token: alice.token });
    const byType = new Map(state.body.map((event) => [event.type, event]));
    assert.equal(byType.get('m.room.create')?.content.room_version, '11');
    assert.equal(byType.get('m.room.name')?.content.name, 'Planning');
    assert.equal(byType.get('m.room.topic')?.content.topic, 'Q3');
    assert.equal(byType.get('m.room.join_rules')?.content.join_rule, 'public');
    assert.equal(byType.get('m.room.canonical_alias')?.content.alias, '#planning:localhost');
    const resolved = await api(server.baseUrl, 'GET', `/_matrix/client/v3/directory/room/${encodeURIComponent('#planning:localhost')}`);
    assert.equal(resolved.body.room_id, roomId);
  });

  it('taken alias is M_ROOM_IN_USE', async () => {
    await createRoom(server, alice, { room_alias_name: 'taken' });
    const response = await api(server.baseUrl, 'POST', '/_matrix/client/v3/createRoom', { token: bob.token, body: { room_alias_name: 'taken' } });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_ROOM_IN_USE');
  });

  it('unsupported room version is rejected', async () => {
    const response = await api(server.baseUrl, 'POST', '/_matrix/client/v3/createRoom', { token: alice.token, body: { room_version: '99' } });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_UNSUPPORTED_ROOM_VERSION');
  });

  for (const version of ['10', '11', '12']) {
    it(`room version ${version} supports a conversation`, async () => {
      const roomId = await createRoom(server, alice, { room_version: version, invite: [bob.userId] });
      const joined = await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
      const eventId = await sendText(server, bob, roomId, `hello in v${version}`);
      const event = await api(server.baseUrl, 'GET', `${room(roomId)}/event/${encodeURIComponent(eventId)}`, { token: alice.token });
      assert.equal((event.body.content as Record<string, unknown>).body, `hello in v${version}`);
      if (version === '12') assert.doesNotMatch(roomId, /:/);
    });
  }

  it('invite-only room refuses uninvited joins', async () => {
    const roomId = await createRoom(server, alice, { preset: 'private_chat' });
    const response = await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: carol.token });
    assert.equal(response.status, 403);
    assert.equal(response.body.errcode, 'M_FORBIDDEN');
  });

  it('non-member cannot send or read', async () => {
    const roomId = await createRoom(server, alice);
    const send = await api(server.baseUrl, 'PUT', `${room(roomId)}/send/m.room.message/x1`, { token: carol.token, body: { msgtype: 'm.text', body: 'hi' } });
    assert.equal(send.status, 403);
    const messages = await api(server.baseUrl, 'GET', `${room(roomId)}/messages?dir=b`, { token: carol.token });
    assert.equal(messages.status, 403);
  });

  it('power levels stop a member changing the name', async () => {
    const roomId = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
    const response = await api(server.baseUrl, 'PUT', `${room(roomId)}/state/m.room.name`, { token: bob.token, body: { name: 'mine now' } });
    assert.equal(response.status, 403);
    assert.equal(response.body.errcode, 'M_FORBIDDEN');
  });

  it('transaction id is idempotent per device', async () => {
    const roomId = await createRoom(server, alice);
    const path = `${room(roomId)}/send/m.room.message/same-txn`;
    const first = await api(server.baseUrl, 'PUT', path, { token: alice.token, body: { msgtype: 'm.text', body: 'once' } });
    const second = await api(server.baseUrl, 'PUT', path, { token: alice.token, body: { msgtype: 'm.text', body: 'once' } });
    assert.equal(first.status, 200);
    assert.equal(second.body.event_id, first.body.event_id);
    const messages = await api<{ chunk: Array<Record<string, any>> }>(server.baseUrl, 'GET', `${room(roomId)}/messages?dir=b&limit=50`, { token: alice.token });
    assert.equal(messages.body.chunk.filter((event) => event.content.body === 'once').length, 1);
  });

  it('kick, ban and unban follow the auth rules', async () => {
    const roomId = await createRoom(server, alice, { preset: 'public_chat' });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: carol.token });
    const kickByMember = await api(server.baseUrl, 'POST', `${room(roomId)}/kick`, { token: carol.token, body: { user_id: alice.userId } });
    assert.equal(kickByMember.status, 403);
    const kick = await api(server.baseUrl, 'POST', `${room(roomId)}/kick`, { token: alice.token, body: { user_id: carol.userId, reason: 'test' } });
    assert.equal(kick.status, 200);
    const ban = await api(server.baseUrl, 'POST', `${room(roomId)}/ban`, { token: alice.token, body: { user_id: carol.userId } });
    assert.equal(ban.status, 200);
    const rejoin = await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: carol.token });
    assert.equal(rejoin.status, 403);
    const unban = await api(server.baseUrl, 'POST', `${room(roomId)}/unban`, { token: alice.token, body: { user_id: carol.userId } });
    assert.equal(unban.status, 200);
    const joinAgain = await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: carol.token });
    assert.equal(joinAgain.status, 200);
  });

  it('messages paginate backwards and forwards', async () => {
    const roomId = await createRoom(server, alice);
    for (let i = 0; i < 5; i += 1) await sendText(server, alice, roomId, `m${i}`);
    const page1 = await api<{ chunk: Array<Record<string, any>>; end?: string; start: string }>(server.baseUrl, 'GET', `${room(roomId)}/messages?dir=b&limit=3`, { token: alice.token });
    assert.deepEqual(page1.body.chunk.map((e) => e.content.body), ['m4', 'm3', 'm2']);
    assert.ok(page1.body.end);
    const page2 = await api<{ chunk: Array<Record<string, any>>; end?: string }>(server.baseUrl, 'GET', `${room(roomId)}/messages?dir=b&limit=2&from=${page1.body.end}`, { token: alice.token });
    assert.deepEqual(page2.body.chunk.map((e) => e.content.body), ['m1', 'm0']);
    const forward = await api<{ chunk: Array<Record<string, any>> }>(server.baseUrl, 'GET', `${room(roomId)}/messages?dir=f&limit=2&from=${page2.body.end}`, { token: alice.token });
    assert.ok(forward.body.chunk.length > 0);
    const filtered = await api<{ chunk: Array<Record<string, any>> }>(server.baseUrl, 'GET', `${room(roomId)}/messages?dir=b&limit=10&filter=${encodeURIComponent(JSON.stringify({ types: ['m.room.member'] }))}`, { token: alice.token });
    assert.ok(filtered.body.chunk.every((event) => event.type === 'm.room.member'));
    assert.equal(filtered.body.chunk.length, 1);
  });

  it('redaction strips content and is served with the event', async () => {
    const roomId = await createRoom(server, alice);
    const eventId = await sendText(server, alice, roomId, 'secret');
    const redaction = await api(server.baseUrl, 'PUT', `${room(roomId)}/redact/${encodeURIComponent(eventId)}/r1`, { token: alice.token, body: { reason: 'oops' } });
    assert.equal(redaction.status, 200);
    const event = await api<Record<string, any>>(server.baseUrl, 'GET', `${room(roomId)}/event/${encodeURIComponent(eventId)}`, { token: alice.token });
    assert.deepEqual(event.body.content, {});
    assert.equal(event.body.unsigned.redacted_because.event_id, redaction.body.event_id);
  });

  it('display name change updates member events', async () => {
    const roomId = await createRoom(server, carol);
    const set = await api(server.baseUrl, 'PUT', `/_matrix/client/v3/profile/${encodeURIComponent(carol.userId)}/displayname`, { token: carol.token, body: { displayname: 'Carol C.' } });
    assert.equal(set.status, 200);
    const member = await api(server.baseUrl, 'GET', `${room(roomId)}/state/m.room.member/${encodeURIComponent(carol.userId)}`, { token: carol.token });
    assert.equal(member.body.displayname, 'Carol C.');
    const profile = await api(server.baseUrl, 'GET', `/_matrix/client/v3/profile/${encodeURIComponent(carol.userId)}`);
    assert.equal(profile.body.displayname, 'Carol C.');
  });

  it('joined_rooms and joined_members list the room', async () => {
    const roomId = await createRoom(server, bob);
    const rooms = await api<{ joined_rooms: string[] }>(server.baseUrl, 'GET', '/_matrix/client/v3/joined_rooms', { token: bob.token });
    assert.ok(rooms.body.joined_rooms.includes(roomId));
    const members = await api<{ joined: Record<string, unknown> }>(server.baseUrl, 'GET', `${room(roomId)}/joined_members`, { token: bob.token });
    assert.deepEqual(Object.keys(members.body.joined), [bob.userId]);
  });

  it('leaving shows the room under leave in sync', async () => {
    const roomId = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
    const before = await sync(server, bob);
    assert.ok(before.rooms.join[roomId]);
    await api(server.baseUrl, 'POST', `${room(roomId)}/leave`, { token: bob.token, body: {} });
    const afterLeave = await sync(server, bob, `since=${before.next_batch}`);
    assert.ok(afterLeave.rooms.leave[roomId]);
    assert.equal(afterLeave.rooms.join[roomId], undefined);
  });

  it('knock needs a knock join rule', async () => {
    const closed = await createRoom(server, alice, { preset: 'private_chat' });
    const refused = await api(server.baseUrl, 'POST', `/_matrix/client/v3/knock/${encodeURIComponent(closed)}`, { token: carol.token, body: {} });
    assert.equal(refused.status, 403);

    const knockable = await createRoom(server, alice, { initial_state: [{ type: 'm.room.join_rules', content: { join_rule: 'knock' } }] });
    const start = await sync(server, carol);
    const knock = await api(server.baseUrl, 'POST', `/_matrix/client/v3/knock/${encodeURIComponent(knockable)}`, { token: carol.token, body: { reason: 'let me in' } });
    assert.equal(knock.status, 200, JSON.stringify(knock.body));
    assert.equal(knock.body.room_id, knockable);
    const afterKnock = await api<Record<string, any>>(server.baseUrl, 'GET', `/_matrix/client/v3/sync?since=${start.next_batch}`, { token: carol.token });
    assert.ok(afterKnock.body.rooms.knock[knockable]?.knock_state.events.some((event: Record<string, any>) => event.type === 'm.room.join_rules'));

    const invite = await api(server.baseUrl, 'POST', `${room(knockable)}/invite`, { token: alice.token, body: { user_id: carol.userId } });
    assert.equal(invite.status, 200);
    const join = await api(server.baseUrl, 'POST', `${room(knockable)}/join`, { token: carol.token });
    assert.equal(join.status, 200);
  });

  it('no request produced a server error log', () => {
    assert.deepEqual(server.logsContaining('"level":50'), []);
  });
});
