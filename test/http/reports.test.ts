// Reporting events, rooms and users, and reading event reports through the Synapse admin API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, passwordLogin } from '../support/client.js';
import { createRoom, createUser, room, sendText, type TestUser } from '../support/matrix.js';
import { assertNoViolations } from '../support/openapi.js';
import { registerUser, TestServer } from '../support/server.js';
import { SpecClient } from '../support/spec-client.js';

type Json = Record<string, any>;

describe('content reports', () => {
  let server: TestServer;
  let client: SpecClient;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let roomId: string;
  let offensive: string;

  const report = (user: TestUser, path: string, body: unknown) => client.request<Json>('POST', `/_matrix/client/v3${path}`, { token: user.token, body });
  const eventPath = (eventId: string, inRoom = roomId) => `/rooms/${encodeURIComponent(inRoom)}/report/${encodeURIComponent(eventId)}`;
  const listReports = (query = '') => api<Json>(server.baseUrl, 'GET', `/_synapse/admin/v1/event_reports${query}`, { token: admin.token });

  before(async () => {
    server = await TestServer.start();
    client = await SpecClient.create(server.baseUrl);
    await registerUser(server, 'admin', 'admin-password', true);
    admin = await passwordLogin(server.baseUrl, 'admin', 'admin-password');
    [alice, bob, carol] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob'), createUser(server, 'carol')]);
    roomId = await createRoom(server, alice, { name: 'Reported room', room_alias_name: 'reported', invite: [bob.userId] });
    await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: bob.token });
    offensive = await sendText(server, alice, roomId, 'something rude');
  });
  after(async () => server.dispose());

  it('stores an event report for the admins', async () => {
    const response = await report(bob, eventPath(offensive), { reason: 'rude', score: -100 });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body, {});

    const listed = await listReports();
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.equal(listed.body.total, 1);
    const [entry] = listed.body.event_reports;
    assert.equal(entry.event_id, offensive);
    assert.equal(entry.room_id, roomId);
    assert.equal(entry.user_id, bob.userId);
    assert.equal(entry.sender, alice.userId);
    assert.equal(entry.reason, 'rude');
    assert.equal(entry.score, -100);
    assert.equal(entry.name, 'Reported room');
    assert.equal(entry.canonical_alias, '#reported:localhost');
    assert.equal(typeof entry.id, 'number');
    assert.equal(typeof entry.received_ts, 'number');

    const detail = await api<Json>(server.baseUrl, 'GET', `/_synapse/admin/v1/event_reports/${entry.id}`, { token: admin.token });
    assert.equal(detail.status, 200);
    assert.equal(detail.body.event_json.room_id, roomId);
    assert.equal(detail.body.event_json.sender, alice.userId);
    assert.equal(detail.body.event_json.content.body, 'something rude');
  });

  it('accepts an event report without reason or score', async () => {
    const response = await report(alice, eventPath(offensive), {});
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const listed = await listReports('?user_id=' + encodeURIComponent(alice.userId));
    assert.equal(listed.body.total, 1);
    assert.equal(listed.body.event_reports[0].reason, null);
    assert.equal(listed.body.event_reports[0].score, null);
  });

  it('requires a joined reporter and a known event', async () => {
    for (const [who, path] of [['a non-member', eventPath(offensive)], ['an unknown event', eventPath('$missing')]] as const) {
      const user = who === 'a non-member' ? carol : bob;
      const response = await report(user, path, { reason: 'x' });
      assert.equal(response.status, 404, who);
      assert.equal(response.body.errcode, 'M_NOT_FOUND', who);
    }
    const otherRoom = await createRoom(server, bob);
    const wrongRoom = await report(bob, eventPath(offensive, otherRoom), { reason: 'x' });
    assert.equal(wrongRoom.status, 404, 'the event is not in that room');
  });

  it('rejects a bad score or reason', async () => {
    const cases: Array<[string, Json, string]> = [
      ['a score above 0', { score: 1 }, 'M_INVALID_PARAM'],
      ['a score below -100', { score: -101 }, 'M_INVALID_PARAM'],
      ['a fractional score', { score: -1.5 }, 'M_INVALID_PARAM'],
      ['a text score', { score: 'bad' }, 'M_BAD_JSON'],
      ['a reason that is not text', { reason: 5 }, 'M_BAD_JSON'],
      ['a very long reason', { reason: 'x'.repeat(2001) }, 'M_INVALID_PARAM'],
    ];
    for (const [what, body, errcode] of cases) {
      const response = await api<Json>(server.baseUrl, 'POST', `/_matrix/client/v3${eventPath(offensive)}`, { token: bob.token, body });
      assert.equal(response.status, 400, `${what}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.errcode, errcode, what);
    }
  });

  it('reports rooms without membership', async () => {
    const response = await report(carol, `/rooms/${encodeURIComponent(roomId)}/report`, { reason: 'spam room' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const unknown = await report(carol, `/rooms/${encodeURIComponent('!nothing:localhost')}/report`, { reason: 'x' });
    assert.equal(unknown.status, 404);
    const noReason = await api<Json>(server.baseUrl, 'POST', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/report`, { token: carol.token, body: {} });
    assert.equal(noReason.status, 400, 'the spec requires a reason, which may be blank');
    const blank = await report(carol, `/rooms/${encodeURIComponent(roomId)}/report`, { reason: '' });
    assert.equal(blank.status, 200);
  });

  it('reports users without shared rooms', async () => {
    const response = await report(carol, `/users/${encodeURIComponent(alice.userId)}/report`, { reason: 'harassment' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const unknown = await report(carol, `/users/${encodeURIComponent('@nobody:localhost')}/report`, { reason: 'x' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.errcode, 'M_NOT_FOUND');
    const invalid = await api<Json>(server.baseUrl, 'POST', '/_matrix/client/v3/users/nobody/report', { token: carol.token, body: { reason: 'x' } });
    assert.equal(invalid.status, 400);
  });

  it('lists only event reports, paged and newest first', async () => {
    await report(bob, eventPath(offensive), { reason: 'third' });
    const all = await listReports();
    assert.equal(all.body.total, 3, 'room and user reports are not event reports');
    assert.deepEqual(all.body.event_reports.map((entry: Json) => entry.reason), ['third', null, 'rude']);

    const first = await listReports('?limit=2');
    assert.equal(first.body.event_reports.length, 2);
    assert.equal(first.body.next_token, 2);
    const second = await listReports(`?limit=2&from=${first.body.next_token}`);
    assert.deepEqual(second.body.event_reports.map((entry: Json) => entry.reason), ['rude']);
    assert.equal(second.body.next_token, undefined);

    const oldestFirst = await listReports('?dir=f');
    assert.deepEqual(oldestFirst.body.event_reports.map((entry: Json) => entry.reason), ['rude', null, 'third']);
    const byRoom = await listReports(`?room_id=${encodeURIComponent('!other:localhost')}`);
    assert.equal(byRoom.body.total, 0);
  });

  it('deletes an event report', async () => {
    const listed = await listReports();
    const id = listed.body.event_reports[0].id as number;
    const deleted = await api<Json>(server.baseUrl, 'DELETE', `/_synapse/admin/v1/event_reports/${id}`, { token: admin.token });
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, {});
    const gone = await api<Json>(server.baseUrl, 'GET', `/_synapse/admin/v1/event_reports/${id}`, { token: admin.token });
    assert.equal(gone.status, 404);
    const again = await api<Json>(server.baseUrl, 'DELETE', `/_synapse/admin/v1/event_reports/${id}`, { token: admin.token });
    assert.equal(again.status, 404);
    assert.equal((await listReports()).body.total, 2);
  });

  it('keeps the admin API to admins', async () => {
    const requests: Array<[string, string]> = [['GET', '/_synapse/admin/v1/event_reports'], ['GET', '/_synapse/admin/v1/event_reports/1'], ['DELETE', '/_synapse/admin/v1/event_reports/1']];
    for (const [method, path] of requests) {
      const response = await api<Json>(server.baseUrl, method, path, { token: bob.token });
      assert.equal(response.status, 403, `${method} ${path}`);
    }
    const badId = await api<Json>(server.baseUrl, 'GET', '/_synapse/admin/v1/event_reports/abc', { token: admin.token });
    assert.equal(badId.status, 400);
  });

  it('responses follow the spec', async (t) => {
    await assertNoViolations(t, client.violations);
  });
});
