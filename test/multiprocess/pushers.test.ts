// Two Lattice processes on one PostgreSQL database push each event once: the process that stored
// the event sends its notification, and the other one, woken through the relay, sends none.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitForLogLine } from '../admin/admin-support.js';
import { api } from '../support/client.js';
import { createRoom, createUser, sendText, type TestUser } from '../support/matrix.js';
import { postgresAdminUrl } from '../support/postgres.js';
import { PushGateway } from '../support/push-gateway.js';
import { TestServer } from '../support/server.js';

const skip = postgresAdminUrl() ? false : 'needs PostgreSQL (LATTICE_TEST_POSTGRES_URL)';

describe('pushers on two processes', { skip, timeout: 120_000 }, () => {
  let first: TestServer;
  let second: TestServer;
  let gateway: PushGateway;
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;

  before(async () => {
    gateway = await PushGateway.start();
    first = await TestServer.start({ database: 'postgres' });
    second = await TestServer.start({ sameDatabaseAs: first });
    alice = await createUser(first, 'alice');
    bob = await createUser(first, 'bob');
    roomId = await createRoom(first, alice, { preset: 'public_chat' });
    const joined = await api(second.baseUrl, 'POST', `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, { token: bob.token, body: {} });
    assert.equal(joined.status, 200);
    const pusher = await api(first.baseUrl, 'POST', '/_matrix/client/v3/pushers/set', {
      token: bob.token,
      body: {
        kind: 'http', app_id: 'org.example.chat', pushkey: 'bob-phone', app_display_name: 'Chat', device_display_name: 'Phone',
        lang: 'en', data: { url: gateway.url },
      },
    });
    assert.equal(pusher.status, 200);
  });

  after(async () => {
    await second?.dispose();
    await first?.dispose();
    await gateway?.close();
  });

  test('each event pushed once', async () => {
    const viaFirst = [await sendText(first, alice, roomId, 'one'), await sendText(first, alice, roomId, 'two')];
    const viaSecond = [await sendText(second, alice, roomId, 'three'), await sendText(second, alice, roomId, 'four')];
    // Each process evaluates its queue in order, so once a later event of each process has
    // arrived, a duplicate of an earlier one would have been sent before it.
    viaFirst.push(await sendText(first, alice, roomId, 'last on first'));
    viaSecond.push(await sendText(second, alice, roomId, 'last on second'));
    const expected = [...viaFirst, ...viaSecond];
    await gateway.waitFor('bob-phone', expected.length);

    const pushedIds = gateway.for('bob-phone').map((entry) => entry.body.notification.event_id as string);
    assert.deepEqual([...pushedIds].sort(), [...expected].sort());

    // A process logs the send after the gateway responded, so the lines may trail the requests.
    const sentBy = (server: TestServer, eventId: string) => server.logsContaining('push notification sent').filter((line) => line.includes(eventId));
    for (const eventId of viaFirst) await waitForLogLine(first, 'push notification sent', eventId);
    for (const eventId of viaSecond) await waitForLogLine(second, 'push notification sent', eventId);
    for (const eventId of viaFirst) {
      assert.equal(sentBy(first, eventId).length, 1, `first sent ${eventId}`);
      assert.equal(sentBy(second, eventId).length, 0, `second did not send ${eventId}`);
    }
    for (const eventId of viaSecond) {
      assert.equal(sentBy(second, eventId).length, 1, `second sent ${eventId}`);
      assert.equal(sentBy(first, eventId).length, 0, `first did not send ${eventId}`);
    }
  });
});
