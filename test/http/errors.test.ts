import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, passwordLogin } from '../support/client.js';
import { registerUser, TestServer } from '../support/server.js';

describe('error responses', () => {
  let server: TestServer;
  let token: string;

  before(async () => {
    server = await TestServer.start({ config: { max_request_size: 4096 } });
    await registerUser(server, 'erin', 'correct horse battery');
    token = (await passwordLogin(server.baseUrl, 'erin', 'correct horse battery')).token;
  });
  after(async () => server.dispose());

  it('unknown endpoint is M_UNRECOGNIZED 404', async () => {
    const response = await api(server.baseUrl, 'GET', '/_matrix/client/v3/no_such_endpoint');
    assert.equal(response.status, 404);
    assert.equal(response.body.errcode, 'M_UNRECOGNIZED');
  });

  it('wrong method on known path is 405', async () => {
    const response = await api(server.baseUrl, 'DELETE', '/_matrix/client/v3/account/whoami', { token });
    assert.equal(response.status, 405);
    assert.equal(response.body.errcode, 'M_UNRECOGNIZED');
    const withParams = await api(server.baseUrl, 'DELETE', `/_matrix/client/v3/rooms/${encodeURIComponent('!a:localhost')}/messages`, { token });
    assert.equal(withParams.status, 405);
  });

  it('auth_metadata stays M_UNRECOGNIZED', async () => {
    const response = await api(server.baseUrl, 'GET', '/_matrix/client/v1/auth_metadata');
    assert.equal(response.status, 404);
    assert.deepEqual(Object.keys(response.body).sort(), ['errcode', 'error']);
    assert.equal(response.body.errcode, 'M_UNRECOGNIZED');
  });

  it('missing token is M_MISSING_TOKEN 401', async () => {
    const response = await api(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami');
    assert.equal(response.status, 401);
    assert.equal(response.body.errcode, 'M_MISSING_TOKEN');
  });

  it('unknown token is M_UNKNOWN_TOKEN 401', async () => {
    const response = await api(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: 'lat_not_a_real_token' });
    assert.equal(response.status, 401);
    assert.equal(response.body.errcode, 'M_UNKNOWN_TOKEN');
  });

  it('malformed JSON is M_NOT_JSON 400', async () => {
    const response = await api(server.baseUrl, 'POST', '/_matrix/client/v3/createRoom', { token, rawBody: '{"name": ' });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_NOT_JSON');
  });

  it('wrong field type is M_BAD_JSON 400', async () => {
    const response = await api(server.baseUrl, 'POST', '/_matrix/client/v3/createRoom', { token, body: { name: 42 } });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_BAD_JSON');
  });

  it('oversized body is M_TOO_LARGE 413', async () => {
    const response = await api(server.baseUrl, 'POST', '/_matrix/client/v3/createRoom', { token, body: { name: 'x'.repeat(10_000) } });
    assert.equal(response.status, 413);
    assert.equal(response.body.errcode, 'M_TOO_LARGE');
  });

  it('unknown room is rejected without 500', async () => {
    const response = await api(server.baseUrl, 'PUT', `/_matrix/client/v3/rooms/${encodeURIComponent('!nope:localhost')}/send/m.room.message/t1`, {
      token, body: { msgtype: 'm.text', body: 'hi' },
    });
    assert.ok(response.status === 403 || response.status === 404, `status ${response.status}`);
    assert.ok(response.body.errcode === 'M_FORBIDDEN' || response.body.errcode === 'M_NOT_FOUND');
  });

  it('invalid room id is M_INVALID_PARAM', async () => {
    const response = await api(server.baseUrl, 'GET', '/_matrix/client/v3/rooms/not-a-room/state', { token });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_INVALID_PARAM');
  });

  it('unknown filter id is M_NOT_FOUND', async () => {
    const response = await api(server.baseUrl, 'GET', '/_matrix/client/v3/user/%40erin%3Alocalhost/filter/99', { token });
    assert.equal(response.status, 404);
    assert.equal(response.body.errcode, 'M_NOT_FOUND');
  });

  it('bad sync token is M_INVALID_PARAM', async () => {
    const response = await api(server.baseUrl, 'GET', '/_matrix/client/v3/sync?since=garbage', { token });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_INVALID_PARAM');
  });

  it('wrong password is M_FORBIDDEN', async () => {
    const response = await api(server.baseUrl, 'POST', '/_matrix/client/v3/login', {
      body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'erin' }, password: 'wrong' },
    });
    assert.equal(response.status, 403);
    assert.equal(response.body.errcode, 'M_FORBIDDEN');
  });

  it('unknown login type is rejected with 400', async () => {
    const response = await api(server.baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.fancy' } });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_UNKNOWN');
  });

  it('registration is disabled with M_FORBIDDEN', async () => {
    const register = await api(server.baseUrl, 'POST', '/_matrix/client/v3/register', { body: { username: 'mallory', password: 'secret-password' } });
    assert.equal(register.status, 403);
    assert.equal(register.body.errcode, 'M_FORBIDDEN');
    const guest = await api(server.baseUrl, 'POST', '/_matrix/client/v3/register?kind=guest', { body: {} });
    assert.equal(guest.status, 403);
    assert.equal(guest.body.errcode, 'M_GUEST_ACCESS_FORBIDDEN');
  });

  it('CORS headers on every response', async () => {
    const response = await api(server.baseUrl, 'GET', '/_matrix/client/versions');
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const preflight = await fetch(`${server.baseUrl}/_matrix/client/v3/login`, { method: 'OPTIONS' });
    assert.ok(preflight.status === 200 || preflight.status === 204);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
  });

  it('no request produced a server error log', () => {
    assert.deepEqual(server.logsContaining('"level":50'), []);
  });
});
