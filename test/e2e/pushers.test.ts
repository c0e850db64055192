// Pushers end to end: clients register http pushers, a real Lattice server sends notifications for
// new messages to a push gateway test double, and that gateway's responses (rejections, errors)
// change what the server does next. Every GET /pushers and POST /pushers/set response is checked
// against the spec's OpenAPI definitions, and every notify body against the push gateway's.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { api, passwordLogin, type ApiResponse } from '../support/client.js';
import { createRoom, createUser, room, sendText, type TestUser } from '../support/matrix.js';
import { assertNoViolations, loadSpecValidator, validatingFetch, type UnmatchedRequest, type Violation } from '../support/openapi.js';
import { loadNotifyBodyValidator, PushGateway, type ReceivedNotification } from '../support/push-gateway.js';
import { openServerDatabase } from '../support/server-database.js';
import { registerUser, TestServer } from '../support/server.js';

interface PusherList {
  pushers: Array<Record<string, any>>;
}

const violations: Violation[] = [];
const unmatched: UnmatchedRequest[] = [];
let specFetch: typeof fetch = fetch;

/** Calls the API through the spec-validating fetch. */
async function specApi<T = Record<string, any>>(server: TestServer, method: string, path: string, token: string, body?: unknown): Promise<ApiResponse<T>> {
  const response = await specFetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

describe('pushers', { timeout: 180_000 }, () => {
  let server: TestServer;
  let gateway: PushGateway;
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;
  const validateNotify = loadNotifyBodyValidator();

  const setPusher = (user: TestUser, body: Record<string, unknown>) => specApi(server, 'POST', '/_matrix/client/v3/pushers/set', user.token, body);
  const listPushers = async (user: TestUser) => {
    const response = await specApi<PusherList>(server, 'GET', '/_matrix/client/v3/pushers', user.token);
    assert.equal(response.status, 200);
    return response.body.pushers;
  };
  const httpPusher = (pushkey: string, data: Record<string, unknown> = {}) => ({
    kind: 'http', app_id: 'org.example.chat.android', pushkey, app_display_name: 'Example Chat',
    device_display_name: 'Phone', lang: 'en', data: { url: gateway.url, ...data },
  });

  /** Asserts the notify body matches the spec's push gateway schema. */
  const assertSpecBody = (received: ReceivedNotification) => {
    if (!validateNotify) return;
    assert.ok(validateNotify(received.body), JSON.stringify(validateNotify.errors));
  };

  before(async () => {
    specFetch = validatingFetch(await loadSpecValidator(), violations, fetch, { unmatched });
    gateway = await PushGateway.start();
    server = await TestServer.start();
    [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
    roomId = await createRoom(server, alice, { invite: [bob.userId], is_direct: true });
    assert.equal((await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token, body: {} })).status, 200);
  });

  after(async () => {
    await server?.dispose();
    await gateway?.close();
  });

  it('lists no pushers at first', async () => {
    assert.deepEqual(await listPushers(alice), []);
  });

  it('rejects missing fields with M_MISSING_PARAM', async () => {
    const withoutLangAndData = await setPusher(bob, { kind: 'http', app_id: 'a.b', pushkey: 'k', app_display_name: 'A', device_display_name: 'D' });
    assert.equal(withoutLangAndData.status, 400);
    assert.equal(withoutLangAndData.body.errcode, 'M_MISSING_PARAM');
    assert.match(withoutLangAndData.body.error, /lang, data/);

    const withoutKind = await setPusher(bob, { app_id: 'a.b', pushkey: 'k' });
    assert.equal(withoutKind.body.errcode, 'M_MISSING_PARAM');

    const withoutUrl = await setPusher(bob, { ...httpPusher('k'), data: {} });
    assert.equal(withoutUrl.status, 400);
    assert.equal(withoutUrl.body.errcode, 'M_MISSING_PARAM');
  });

  it('rejects invalid values with M_INVALID_PARAM', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['relative url', httpPusher('k', { url: '/_matrix/push/v1/notify' })],
      ['wrong path', httpPusher('k', { url: 'https://push.example.org/notify' })],
      ['other scheme', httpPusher('k', { url: 'ftp://push.example.org/_matrix/push/v1/notify' })],
      ['unknown format', httpPusher('k', { format: 'full' })],
      ['email kind', { ...httpPusher('k'), kind: 'email' }],
      ['long app_id', { ...httpPusher('k'), app_id: 'a'.repeat(65) }],
      ['long pushkey', httpPusher('k'.repeat(513))],
    ];
    for (const [name, body] of cases) {
      const response = await setPusher(bob, body);
      assert.equal(response.status, 400, name);
      assert.equal(response.body.errcode, 'M_INVALID_PARAM', name);
    }
    assert.deepEqual(await listPushers(bob), []);
  });

  it('rejects wrong JSON types with M_BAD_JSON', async () => {
    const numberLang = await setPusher(bob, { ...httpPusher('k'), lang: 5 });
    assert.equal(numberLang.status, 400);
    assert.equal(numberLang.body.errcode, 'M_BAD_JSON');
    const arrayBody = await api(server.baseUrl, 'POST', '/_matrix/client/v3/pushers/set', { token: bob.token, body: [] });
    assert.equal(arrayBody.status, 400);
    assert.equal(arrayBody.body.errcode, 'M_BAD_JSON');
  });

  it('creates, replaces and deletes a pusher', async () => {
    const created = await setPusher(bob, { ...httpPusher('bob-phone', { format: 'event_id_only', custom: 1 }), profile_tag: 'tag' });
    assert.equal(created.status, 200);
    assert.deepEqual(created.body, {});
    assert.deepEqual(await listPushers(bob), [{
      pushkey: 'bob-phone', kind: 'http', app_id: 'org.example.chat.android', app_display_name: 'Example Chat',
      device_display_name: 'Phone', profile_tag: 'tag', lang: 'en', data: { url: gateway.url, format: 'event_id_only', custom: 1 },
    }]);

    assert.equal((await setPusher(bob, { ...httpPusher('bob-phone'), lang: 'de' })).status, 200);
    const replaced = await listPushers(bob);
    assert.equal(replaced.length, 1);
    assert.equal(replaced[0]?.lang, 'de');
    assert.equal(replaced[0]?.profile_tag, undefined);

    const deleted = await setPusher(bob, { kind: null, app_id: 'org.example.chat.android', pushkey: 'bob-phone' });
    assert.equal(deleted.status, 200);
    assert.deepEqual(await listPushers(bob), []);
    const deletedAgain = await setPusher(bob, { kind: null, app_id: 'org.example.chat.android', pushkey: 'bob-phone' });
    assert.equal(deletedAgain.status, 200);
  });

  it('append decides whether other users keep the pushkey', async () => {
    assert.equal((await setPusher(alice, httpPusher('shared-key'))).status, 200);
    assert.equal((await setPusher(bob, { ...httpPusher('shared-key'), append: true })).status, 200);
    assert.equal((await listPushers(alice)).length, 1);

    assert.equal((await setPusher(bob, { ...httpPusher('shared-key'), append: false })).status, 200);
    assert.deepEqual(await listPushers(alice), []);
    assert.equal((await listPushers(bob)).length, 1);
    await setPusher(bob, { kind: null, app_id: 'org.example.chat.android', pushkey: 'shared-key' });
  });

  it('pushes a message to the recipient only', async () => {
    assert.equal((await setPusher(bob, httpPusher('bob-full', { custom: 'kept' }))).status, 200);
    assert.equal((await setPusher(alice, httpPusher('alice-full'))).status, 200);
    const before = Math.floor(Date.now() / 1000);

    const eventId = await sendText(server, alice, roomId, 'hello bob');
    const [first] = await gateway.waitFor('bob-full', 1);
    assert.ok(first);
    assertSpecBody(first);
    const notification = first.body.notification;
    assert.equal(notification.event_id, eventId);
    assert.equal(notification.room_id, roomId);
    assert.equal(notification.type, 'm.room.message');
    assert.equal(notification.sender, alice.userId);
    assert.equal(notification.sender_display_name, 'alice');
    assert.deepEqual(notification.content, { msgtype: 'm.text', body: 'hello bob' });
    assert.equal(notification.prio, 'high');
    assert.deepEqual(notification.counts, { unread: 1 });
    assert.equal(notification.devices.length, 1);
    const device = notification.devices[0]!;
    assert.equal(device.app_id, 'org.example.chat.android');
    assert.equal(device.pushkey, 'bob-full');
    assert.ok(Number.isInteger(device.pushkey_ts), `pushkey_ts ${device.pushkey_ts} is whole seconds`);
    assert.ok(device.pushkey_ts >= before - 60, `pushkey_ts ${device.pushkey_ts} is in seconds`);
    assert.ok(device.pushkey_ts <= before + 60, `pushkey_ts ${device.pushkey_ts} is in seconds`);
    assert.deepEqual(device.data, { custom: 'kept' });
    assert.equal(device.tweaks.sound, 'default');

    await sendText(server, alice, roomId, 'second');
    const [, second] = await gateway.waitFor('bob-full', 2);
    assert.deepEqual(second?.body.notification.counts, { unread: 2 });

    // Alice's own messages never reach her pusher; bob's message does.
    const reply = await sendText(server, bob, roomId, 'hi alice');
    const [toAlice] = await gateway.waitFor('alice-full', 1);
    assert.equal(toAlice?.body.notification.event_id, reply);
    assert.equal(gateway.for('alice-full').length, 1);
    assert.equal(gateway.for('bob-full').length, 2);
    assert.equal(toAlice?.body.notification.counts.unread, 1);
  });

  it('event_id_only sends no event details', async () => {
    assert.equal((await setPusher(bob, httpPusher('bob-ids', { format: 'event_id_only' }))).status, 200);
    const eventId = await sendText(server, alice, roomId, 'secret words');
    const [received] = await gateway.waitFor('bob-ids', 1);
    assert.ok(received);
    assertSpecBody(received);
    const notification = received.body.notification;
    assert.equal(notification.event_id, eventId);
    assert.equal(notification.room_id, roomId);
    assert.equal(typeof notification.counts.unread, 'number');
    assert.equal(notification.content, undefined);
    assert.equal(notification.sender, undefined);
    assert.equal(notification.type, undefined);
    assert.deepEqual(notification.devices[0]?.data, { format: 'event_id_only' });
  });

  it('rejected pushkey deletes the pusher', async () => {
    assert.equal((await setPusher(bob, httpPusher('bob-expired'))).status, 200);
    gateway.script('bob-expired', 'reject');
    await sendText(server, alice, roomId, 'to an expired phone');
    await gateway.waitFor('bob-expired', 1);

    let keys: string[] = [];
    for (let attempt = 0; attempt < 50; attempt += 1) {
      keys = (await listPushers(bob)).map((pusher) => pusher.pushkey);
      if (!keys.includes('bob-expired')) break;
      await delay(100);
    }
    assert.ok(!keys.includes('bob-expired'), `pushers left: ${keys.join(', ')}`);
    await sendText(server, alice, roomId, 'after the rejection');
    await gateway.waitFor('bob-full', gateway.for('bob-full').length + 1);
    assert.equal(gateway.for('bob-expired').length, 1);
  });

  it('gateway error is retried', async () => {
    assert.equal((await setPusher(bob, httpPusher('bob-flaky'))).status, 200);
    gateway.script('bob-flaky', { status: 500 });
    const eventId = await sendText(server, alice, roomId, 'try again');
    const [failed, retried] = await gateway.waitFor('bob-flaky', 2);
    assert.equal(failed?.body.notification.event_id, eventId);
    assert.equal(retried?.body.notification.event_id, eventId);

    const retryLines = server.logsContaining('push notification failed; retrying');
    assert.ok(retryLines.some((line) => line.includes(eventId)), 'the retry is logged with the event id');
    assert.deepEqual(server.logs.filter((line) => line.includes('bob-flaky')), [], 'no log line contains the pushkey');
  });

  it('logout deletes the device pushers', async () => {
    const phone = await passwordLogin(server.baseUrl, 'bob', 'bob-password');
    assert.equal((await setPusher(phone, httpPusher('bob-second-phone'))).status, 200);
    assert.ok((await listPushers(bob)).some((pusher) => pusher.pushkey === 'bob-second-phone'));

    assert.equal((await api(server.baseUrl, 'POST', '/_matrix/client/v3/logout', { token: phone.token, body: {} })).status, 200);
    const left = (await listPushers(bob)).map((pusher) => pusher.pushkey);
    assert.ok(!left.includes('bob-second-phone'), `pushers left: ${left.join(', ')}`);
    assert.ok(left.includes('bob-full'), 'pushers of other devices stay');
  });

  it('invite pushes to the invitee', async () => {
    const dave = await createUser(server, 'dave');
    assert.equal((await setPusher(dave, httpPusher('dave-phone'))).status, 200);
    const invitedTo = await createRoom(server, alice, { invite: [dave.userId] });

    const [received] = await gateway.waitFor('dave-phone', 1);
    assert.ok(received);
    assertSpecBody(received);
    const notification = received.body.notification;
    assert.equal(notification.room_id, invitedTo);
    assert.equal(notification.type, 'm.room.member');
    assert.equal(notification.user_is_target, true);
    assert.equal(notification.content.membership, 'invite');
  });

  it('deactivation deletes all pushers', async () => {
    await registerUser(server, 'boss', 'boss-password', true);
    const boss = await passwordLogin(server.baseUrl, 'boss', 'boss-password');
    const carol = await createUser(server, 'carol');
    assert.equal((await setPusher(carol, httpPusher('carol-phone'))).status, 200);
    assert.equal((await listPushers(carol)).length, 1);

    const deactivated = await api(server.baseUrl, 'POST', `/_synapse/admin/v1/deactivate/${encodeURIComponent(carol.userId)}`, {
      token: boss.token, body: { erase: false },
    });
    assert.equal(deactivated.status, 200);
    // Carol has no access token any more, so her rows are read from the database.
    const db = await openServerDatabase(server);
    try {
      const rows = await db.selectFrom('pushers').select('pushkey').where('user_id', '=', carol.userId).execute();
      assert.deepEqual(rows, []);
    } finally {
      await db.destroy();
    }
  });

  it('responses match the spec', async (t) => {
    assert.deepEqual(unmatched, [], 'every checked request matched an operation of the spec');
    await assertNoViolations(t, violations);
  });
});
