// Endpoints of features Lattice does not offer (bridges, registration, refresh tokens). Each must
// return what the spec defines for a server without the feature, not M_UNRECOGNIZED.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createUser, type TestUser } from '../support/matrix.js';
import { assertNoViolations } from '../support/openapi.js';
import { registerUser, TestServer } from '../support/server.js';
import { SpecClient } from '../support/spec-client.js';

type Json = Record<string, any>;

describe('features Lattice does not offer', () => {
  let server: TestServer;
  let client: SpecClient;
  let alice: TestUser;

  before(async () => {
    server = await TestServer.start();
    client = await SpecClient.create(server.baseUrl);
    alice = await createUser(server, 'alice');
  });
  after(async () => server.dispose());

  it('third-party protocols are unknown', async () => {
    const protocols = await client.request<Json>('GET', '/_matrix/client/v3/thirdparty/protocols', { token: alice.token });
    assert.deepEqual(protocols.body, {});
    for (const path of ['protocol/irc', 'location/irc?channel=%23matrix', 'user/irc?nickname=bob']) {
      const response = await client.request<Json>('GET', `/_matrix/client/v3/thirdparty/${path}`, { token: alice.token });
      assert.equal(response.status, 404, path);
      assert.equal(response.body.errcode, 'M_NOT_FOUND', path);
    }
  });

  it('reverse third-party lookups find nothing', async () => {
    const location = await client.request<Json>('GET', `/_matrix/client/v3/thirdparty/location?alias=${encodeURIComponent('#room:localhost')}`, { token: alice.token });
    assert.equal(location.status, 200);
    assert.deepEqual(location.body, []);
    const user = await client.request<Json>('GET', `/_matrix/client/v3/thirdparty/user?userid=${encodeURIComponent(alice.userId)}`, { token: alice.token });
    assert.equal(user.status, 200);
    assert.deepEqual(user.body, []);
    const missing = await api<Json>(server.baseUrl, 'GET', '/_matrix/client/v3/thirdparty/location', { token: alice.token });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
    const anonymous = await api<Json>(server.baseUrl, 'GET', '/_matrix/client/v3/thirdparty/protocol/irc');
    assert.equal(anonymous.status, 401);
  });

  it('registration tokens are refused', async () => {
    const response = await client.request<Json>('GET', '/_matrix/client/v1/register/m.login.registration_token/validity?token=abc');
    assert.equal(response.status, 403);
    assert.equal(response.body.errcode, 'M_FORBIDDEN');
    const missing = await api<Json>(server.baseUrl, 'GET', '/_matrix/client/v1/register/m.login.registration_token/validity');
    assert.equal(missing.status, 400);
  });

  it('refresh tokens are unknown', async () => {
    const response = await client.request<Json>('POST', '/_matrix/client/v3/refresh', { body: { refresh_token: 'anything' } });
    assert.equal(response.status, 401);
    assert.equal(response.body.errcode, 'M_UNKNOWN_TOKEN');
    assert.equal(response.body.soft_logout, false);
    const missing = await api<Json>(server.baseUrl, 'POST', '/_matrix/client/v3/refresh', { body: {} });
    assert.equal(missing.status, 400);
  });

  it('login asking for a refresh token gets none', async () => {
    await registerUser(server, 'bob', 'bob-password');
    const login = await client.request<Json>('POST', '/_matrix/client/v3/login', {
      body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'bob' }, password: 'bob-password', refresh_token: true },
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(typeof login.body.access_token, 'string');
    assert.equal(login.body.refresh_token, undefined);
    assert.equal(login.body.expires_in_ms, undefined);
    const whoami = await api<Json>(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: login.body.access_token });
    assert.equal(whoami.body.user_id, '@bob:localhost');
  });

  it('responses follow the spec', async (t) => {
    await assertNoViolations(t, client.violations);
  });
});
