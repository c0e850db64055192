import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, room, sendText, sync, type TestUser } from '../support/matrix.js';
import { TestServer } from '../support/server.js';

describe('/sync', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    server = await TestServer.start();
    [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
  });
  after(async () => server.dispose());

  it('long-poll wakes on a new message', async () => {
    const roomId = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
    const initial = await sync(server, bob);
    const started = Date.now();
    const pending = sync(server, bob, `since=${initial.next_batch}&timeout=20000`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const eventId = await sendText(server, alice, roomId, 'wake up');
    const woken = await pending;
    assert.ok(Date.now() - started < 15_000, 'the long-poll returned before its timeout');
    const events = woken.rooms.join[roomId]?.timeline.events ?? [];
    assert.deepEqual(events.map((event) => event.event_id), [eventId]);
  });

  it('empty long-poll returns after its timeout', async () => {
    const initial = await sync(server, alice);
    const started = Date.now();
    const result = await sync(server, alice, `since=${initial.next_batch}&timeout=500`);
    assert.ok(Date.now() - started >= 450);
    assert.deepEqual(result.rooms.join, {});
    assert.equal(result.next_batch, initial.next_batch);
  });

  it('initial sync has state, timeline and summary', async () => {
    const roomId = await createRoom(server, alice, { name: 'Initial' });
    await sendText(server, alice, roomId, 'first');
    const result = await sync(server, alice);
    const joined = result.rooms.join[roomId];
    assert.ok(joined);
    const stateAndTimeline = [...joined.state.events, ...joined.timeline.events];
    assert.ok(stateAndTimeline.some((event) => event.type === 'm.room.create'));
    assert.ok(stateAndTimeline.some((event) => event.type === 'm.room.name' && event.content.name === 'Initial'));
    assert.equal(joined.timeline.events.at(-1)?.content.body, 'first');
    assert.equal(joined.summary['m.joined_member_count'], 1);
  });

  it('limited timeline gives prev_batch that paginates', async () => {
    const roomId = await createRoom(server, alice);
    const start = await sync(server, alice);
    for (let i = 0; i < 6; i += 1) await sendText(server, alice, roomId, `n${i}`);
    const filter = encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 2 } } }));
    const result = await sync(server, alice, `since=${start.next_batch}&filter=${filter}`);
    const timeline = result.rooms.join[roomId]?.timeline;
    assert.ok(timeline);
    assert.equal(timeline.limited, true);
    assert.deepEqual(timeline.events.map((event) => event.content.body), ['n4', 'n5']);
    const older = await api<{ chunk: Array<Record<string, any>> }>(server.baseUrl, 'GET', `${room(roomId)}/messages?dir=b&limit=2&from=${timeline.prev_batch}`, { token: alice.token });
    assert.deepEqual(older.body.chunk.map((event) => event.content.body), ['n3', 'n2']);
  });

  it('own sends carry transaction_id', async () => {
    const roomId = await createRoom(server, alice);
    const start = await sync(server, alice);
    const sent = await api(server.baseUrl, 'PUT', `${room(roomId)}/send/m.room.message/my-txn-1`, { token: alice.token, body: { msgtype: 'm.text', body: 'x' } });
    const result = await sync(server, alice, `since=${start.next_batch}`);
    const event = result.rooms.join[roomId]?.timeline.events.find((e) => e.event_id === sent.body.event_id);
    assert.equal(event?.unsigned?.transaction_id, 'my-txn-1');
  });

  it('invites appear with stripped state', async () => {
    const roomId = await createRoom(server, alice, { name: 'Invite me' });
    const start = await sync(server, bob);
    await api(server.baseUrl, 'POST', `${room(roomId)}/invite`, { token: alice.token, body: { user_id: bob.userId } });
    const result = await sync(server, bob, `since=${start.next_batch}&timeout=5000`);
    const invite = result.rooms.invite[roomId];
    assert.ok(invite);
    assert.ok(invite.invite_state.events.some((event) => event.type === 'm.room.name' && event.content.name === 'Invite me'));
    assert.ok(invite.invite_state.events.some((event) => event.type === 'm.room.member' && event.state_key === bob.userId));
  });

  it('lazy loading keeps only timeline senders', async () => {
    const roomId = await createRoom(server, alice, { preset: 'public_chat' });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
    for (let i = 0; i < 3; i += 1) await sendText(server, alice, roomId, `lazy ${i}`);
    const filter = encodeURIComponent(JSON.stringify({ room: { rooms: [roomId], timeline: { limit: 3 }, state: { lazy_load_members: true } } }));
    const result = await sync(server, bob, `filter=${filter}`);
    const joined = result.rooms.join[roomId];
    assert.ok(joined);
    const memberKeys = joined.state.events.filter((event) => event.type === 'm.room.member').map((event) => event.state_key).sort();
    assert.deepEqual(memberKeys, [alice.userId, bob.userId].sort());
    assert.deepEqual(Object.keys(result.rooms.join), [roomId]);
  });

  it('account data arrives through sync', async () => {
    const start = await sync(server, alice);
    const put = await api(server.baseUrl, 'PUT', `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/org.example.settings`, { token: alice.token, body: { theme: 'dark' } });
    assert.equal(put.status, 200);
    const result = await sync(server, alice, `since=${start.next_batch}&timeout=5000`);
    assert.deepEqual(result.account_data.events.find((event) => event.type === 'org.example.settings')?.content, { theme: 'dark' });
    const read = await api(server.baseUrl, 'GET', `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/org.example.settings`, { token: alice.token });
    assert.deepEqual(read.body, { theme: 'dark' });
    const other = await api(server.baseUrl, 'GET', `/_matrix/client/v3/user/${encodeURIComponent(bob.userId)}/account_data/org.example.settings`, { token: alice.token });
    assert.equal(other.status, 403);
  });

  it('stored filter is applied by id', async () => {
    const upload = await api<{ filter_id: string }>(server.baseUrl, 'POST', `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/filter`, {
      token: alice.token, body: { room: { timeline: { limit: 1 } } },
    });
    assert.equal(upload.status, 200);
    const stored = await api(server.baseUrl, 'GET', `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/filter/${upload.body.filter_id}`, { token: alice.token });
    assert.deepEqual(stored.body, { room: { timeline: { limit: 1 } } });
    const result = await sync(server, alice, `filter=${upload.body.filter_id}`);
    for (const joined of Object.values(result.rooms.join)) assert.ok(joined.timeline.events.length <= 1);
  });

  it('unread count follows messages from others', async () => {
    const roomId = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
    await sendText(server, alice, roomId, 'one');
    await sendText(server, alice, roomId, 'two');
    const result = await sync(server, bob);
    assert.equal(result.rooms.join[roomId]?.unread_notifications.notification_count, 2);
  });
});
