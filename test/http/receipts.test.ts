import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, room, sendText, sync, type TestUser } from '../support/matrix.js';
import { TestServer } from '../support/server.js';

type Ephemeral = Array<{ type: string; content: Record<string, any> }>;

function ephemeralOf(body: Record<string, any>, roomId: string): Ephemeral {
  return body.rooms.join[roomId]?.ephemeral?.events ?? [];
}

describe('typing, receipts and read markers', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let roomId: string;

  const typing = (user: TestUser, target: string, body: unknown, inRoom = roomId) =>
    api(server.baseUrl, 'PUT', `${room(inRoom)}/typing/${encodeURIComponent(target)}`, { token: user.token, body });
  const receipt = (user: TestUser, type: string, eventId: string, body: unknown = {}) =>
    api(server.baseUrl, 'POST', `${room(roomId)}/receipt/${type}/${encodeURIComponent(eventId)}`, { token: user.token, body });

  before(async () => {
    server = await TestServer.start();
    [alice, bob, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'carol')]);
    roomId = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
  });
  after(async () => server.dispose());

  it('typing appears in sync and stops', async () => {
    const start = await sync(server, bob);
    assert.equal((await typing(alice, alice.userId, { typing: true, timeout: 30000 })).status, 200);
    const started = await sync(server, bob, `since=${start.next_batch}&timeout=5000`);
    assert.deepEqual(ephemeralOf(started, roomId).find((e) => e.type === 'm.typing')?.content, { user_ids: [alice.userId] });

    assert.equal((await typing(alice, alice.userId, { typing: false })).status, 200);
    const stopped = await sync(server, bob, `since=${started.next_batch}&timeout=5000`);
    assert.deepEqual(ephemeralOf(stopped, roomId).find((e) => e.type === 'm.typing')?.content, { user_ids: [] });
  });

  it('typing times out', async () => {
    const start = await sync(server, bob);
    await typing(alice, alice.userId, { typing: true, timeout: 200 });
    let since = start.next_batch;
    let users: string[] | undefined;
    // The first wake-up may still show alice typing; the expiry follows as its own change.
    for (let attempt = 0; attempt < 5 && users?.length !== 0; attempt += 1) {
      const result = await sync(server, bob, `since=${since}&timeout=5000`);
      since = result.next_batch;
      users = ephemeralOf(result, roomId).find((e) => e.type === 'm.typing')?.content.user_ids;
    }
    assert.deepEqual(users, []);
  });

  it('typing rejects other users and outsiders', async () => {
    assert.equal((await typing(alice, bob.userId, { typing: true, timeout: 1000 })).status, 403);
    const outsider = await typing(carol, carol.userId, { typing: true, timeout: 1000 });
    assert.equal(outsider.status, 403);
    assert.equal(outsider.body.errcode, 'M_FORBIDDEN');
  });

  it('typing rejects a bad body', async () => {
    const missing = await typing(alice, alice.userId, { timeout: 1000 });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errcode, 'M_BAD_JSON');
    const negative = await typing(alice, alice.userId, { typing: true, timeout: -5 });
    assert.equal(negative.status, 400);
  });

  it('public receipt reaches other members', async () => {
    const eventId = await sendText(server, alice, roomId, 'read me');
    const start = await sync(server, alice);
    assert.equal((await receipt(bob, 'm.read', eventId)).status, 200);
    const result = await sync(server, alice, `since=${start.next_batch}&timeout=5000`);
    const content = ephemeralOf(result, roomId).find((e) => e.type === 'm.receipt')?.content;
    assert.equal(typeof content?.[eventId]?.['m.read']?.[bob.userId]?.ts, 'number');
    assert.equal(content?.[eventId]?.['m.read']?.[bob.userId]?.thread_id, undefined);
  });

  it('private receipt only reaches its owner', async () => {
    const eventId = await sendText(server, alice, roomId, 'private read');
    const aliceStart = await sync(server, alice);
    const bobStart = await sync(server, bob);
    assert.equal((await receipt(bob, 'm.read.private', eventId)).status, 200);
    const own = await sync(server, bob, `since=${bobStart.next_batch}&timeout=5000`);
    const ownContent = ephemeralOf(own, roomId).find((e) => e.type === 'm.receipt')?.content;
    assert.ok(ownContent?.[eventId]?.['m.read.private']?.[bob.userId]);
    const other = await sync(server, alice, `since=${aliceStart.next_batch}&timeout=300`);
    const otherReceipts = ephemeralOf(other, roomId).filter((e) => e.type === 'm.receipt');
    assert.ok(otherReceipts.every((e) => e.content[eventId]?.['m.read.private'] === undefined));
    const initial = await sync(server, alice);
    assert.ok(ephemeralOf(initial, roomId).every((e) => e.type !== 'm.receipt' || e.content[eventId]?.['m.read.private'] === undefined));
  });

  it('threaded receipt carries thread_id', async () => {
    const rootId = await sendText(server, alice, roomId, 'thread root');
    const reply = await api<{ event_id: string }>(server.baseUrl, 'PUT', `${room(roomId)}/send/m.room.message/thread-reply-1`, {
      token: alice.token, body: { msgtype: 'm.text', body: 'in thread', 'm.relates_to': { rel_type: 'm.thread', event_id: rootId } },
    });
    const start = await sync(server, alice);
    assert.equal((await receipt(bob, 'm.read', reply.body.event_id, { thread_id: rootId })).status, 200);
    const result = await sync(server, alice, `since=${start.next_batch}&timeout=5000`);
    const content = ephemeralOf(result, roomId).find((e) => e.type === 'm.receipt')?.content;
    assert.equal(content?.[reply.body.event_id]?.['m.read']?.[bob.userId]?.thread_id, rootId);

    const wrongThread = await receipt(bob, 'm.read', reply.body.event_id, { thread_id: 'main' });
    assert.equal(wrongThread.status, 400);
    assert.equal(wrongThread.body.errcode, 'M_INVALID_PARAM');
  });

  it('receipt errors use spec codes', async () => {
    const eventId = await sendText(server, alice, roomId, 'errors');
    const cases: Array<[Promise<Awaited<ReturnType<typeof receipt>>>, number, string]> = [
      [receipt(bob, 'm.unknown', eventId), 400, 'M_INVALID_PARAM'],
      [receipt(bob, 'm.read', eventId, { thread_id: '' }), 400, 'M_INVALID_PARAM'],
      [receipt(bob, 'm.read', eventId, { thread_id: 42 }), 400, 'M_INVALID_PARAM'],
      [receipt(bob, 'm.fully_read', eventId, { thread_id: 'main' }), 400, 'M_INVALID_PARAM'],
      [receipt(bob, 'm.read', '$missing:localhost'), 404, 'M_NOT_FOUND'],
      [receipt(carol, 'm.read', eventId), 403, 'M_FORBIDDEN'],
    ];
    for (const [pending, status, errcode] of cases) {
      const response = await pending;
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.equal(response.body.errcode, errcode);
    }
  });

  it('read markers set m.fully_read and a receipt', async () => {
    const eventId = await sendText(server, alice, roomId, 'marker');
    const start = await sync(server, bob);
    const response = await api(server.baseUrl, 'POST', `${room(roomId)}/read_markers`, {
      token: bob.token, body: { 'm.fully_read': eventId, 'm.read': eventId },
    });
    assert.equal(response.status, 200);
    const result = await sync(server, bob, `since=${start.next_batch}&timeout=5000`);
    const joined = result.rooms.join[roomId] as Record<string, any> | undefined;
    assert.deepEqual(joined?.account_data.events.find((e: { type: string }) => e.type === 'm.fully_read')?.content, { event_id: eventId });
    assert.ok(ephemeralOf(result, roomId).find((e) => e.type === 'm.receipt')?.content[eventId]?.['m.read']?.[bob.userId]);

    const bad = await api(server.baseUrl, 'POST', `${room(roomId)}/read_markers`, { token: bob.token, body: { 'm.fully_read': 5 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errcode, 'M_BAD_JSON');
  });

  it('receipt clears the unread count', async () => {
    const quiet = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(quiet)}/join`, { token: bob.token });
    await sendText(server, alice, quiet, 'one');
    const second = await sendText(server, alice, quiet, 'two');
    await sendText(server, alice, quiet, 'three');
    const before = await sync(server, bob);
    assert.equal(before.rooms.join[quiet]?.unread_notifications.notification_count, 3);

    await api(server.baseUrl, 'POST', `${room(quiet)}/receipt/m.read.private/${encodeURIComponent(second)}`, { token: bob.token, body: {} });
    const partly = await sync(server, bob);
    assert.equal(partly.rooms.join[quiet]?.unread_notifications.notification_count, 1);
  });

  it('mention counts as a highlight', async () => {
    const named = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(named)}/join`, { token: bob.token });
    await api(server.baseUrl, 'PUT', `${room(named)}/send/m.room.message/mention-1`, {
      token: alice.token, body: { msgtype: 'm.text', body: 'hey bob', 'm.mentions': { user_ids: [bob.userId] } },
    });
    const result = await sync(server, bob);
    assert.equal(result.rooms.join[named]?.unread_notifications.highlight_count, 1);
    assert.equal(result.rooms.join[named]?.unread_notifications.notification_count, 1);
  });

  it('thread counts split when the filter asks', async () => {
    const threaded = await createRoom(server, alice, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(threaded)}/join`, { token: bob.token });
    const rootId = await sendText(server, alice, threaded, 'root');
    for (let i = 0; i < 2; i += 1) {
      await api(server.baseUrl, 'PUT', `${room(threaded)}/send/m.room.message/split-${i}`, {
        token: alice.token, body: { msgtype: 'm.text', body: `reply ${i}`, 'm.relates_to': { rel_type: 'm.thread', event_id: rootId } },
      });
    }
    const filter = encodeURIComponent(JSON.stringify({ room: { timeline: { unread_thread_notifications: true } } }));
    const split = await sync(server, bob, `filter=${filter}`);
    const joined = split.rooms.join[threaded] as Record<string, any> | undefined;
    assert.equal(joined?.unread_notifications.notification_count, 1);
    assert.equal(joined?.unread_thread_notifications[rootId]?.notification_count, 2);

    const whole = await sync(server, bob);
    assert.equal(whole.rooms.join[threaded]?.unread_notifications.notification_count, 3);
  });

  it('notifications lists notifying events', async () => {
    const listed = await createRoom(server, carol, { invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(listed)}/join`, { token: bob.token });
    const first = await sendText(server, carol, listed, 'first notification');
    const second = await sendText(server, carol, listed, 'second notification');
    const page = await api<{ notifications: Array<Record<string, any>>; next_token?: string }>(server.baseUrl, 'GET', '/_matrix/client/v3/notifications?limit=1', { token: bob.token });
    assert.equal(page.status, 200);
    assert.equal(page.body.notifications[0]?.event.event_id, second);
    assert.equal(page.body.notifications[0]?.room_id, listed);
    assert.equal(page.body.notifications[0]?.read, false);
    assert.ok(page.body.notifications[0]?.actions.includes('notify'));
    assert.ok(page.body.next_token);
    const next = await api<{ notifications: Array<Record<string, any>> }>(server.baseUrl, 'GET', `/_matrix/client/v3/notifications?limit=1&from=${page.body.next_token}`, { token: bob.token });
    assert.equal(next.body.notifications[0]?.event.event_id, first);

    const bad = await api(server.baseUrl, 'GET', '/_matrix/client/v3/notifications?from=bogus', { token: bob.token });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errcode, 'M_INVALID_PARAM');
  });
});
