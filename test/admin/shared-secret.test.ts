import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { TestServer } from '../support/server.js';
import { registerWithSecret, registrationMac } from './admin-support.js';

const SECRET = 'shared-secret-for-tests';

describe('shared-secret registration', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start({ config: { registration_shared_secret: SECRET } });
  });
  after(() => server.dispose());

  it('creates an admin with a token', async () => {
    const response = await registerWithSecret(server.baseUrl, SECRET, 'root', 'root-password-1', true);

    assert.equal(response.status, 200);
    assert.equal(response.body.user_id, '@root:localhost');
    assert.equal(response.body.home_server, 'localhost');
    assert.ok(response.body.device_id);
    const whoami = await api<{ user_id: string }>(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: response.body.access_token });
    assert.equal(whoami.body.user_id, '@root:localhost');
    const users = await api(server.baseUrl, 'GET', '/_synapse/admin/v2/users', { token: response.body.access_token });
    assert.equal(users.status, 200);
  });

  it('creates a non-admin when admin is false', async () => {
    const response = await registerWithSecret(server.baseUrl, SECRET, 'plain', 'plain-password-1', false);
    assert.equal(response.status, 200);

    const users = await api<{ errcode: string }>(server.baseUrl, 'GET', '/_synapse/admin/v2/users', { token: response.body.access_token });
    assert.equal(users.status, 403);
    assert.equal(users.body.errcode, 'M_FORBIDDEN');
  });

  it('rejects a wrong MAC', async () => {
    const response = await registerWithSecret(server.baseUrl, 'not-the-secret', 'mallory', 'mallory-password-1', true);
    assert.equal(response.status, 403);
    assert.equal(response.body.errcode, 'M_FORBIDDEN');
  });

  it('rejects a MAC over other fields', async () => {
    const nonce = (await api<{ nonce: string }>(server.baseUrl, 'GET', '/_synapse/admin/v1/register')).body.nonce;
    // Signed as "notadmin" but sent with admin: true.
    const mac = registrationMac(SECRET, nonce, 'sneaky', 'sneaky-password-1', false);
    const response = await api<{ errcode: string }>(server.baseUrl, 'POST', '/_synapse/admin/v1/register', {
      body: { nonce, username: 'sneaky', password: 'sneaky-password-1', admin: true, mac },
    });
    assert.equal(response.status, 403);
  });

  it('rejects a reused nonce', async () => {
    const nonce = (await api<{ nonce: string }>(server.baseUrl, 'GET', '/_synapse/admin/v1/register')).body.nonce;
    const body = (username: string) => ({
      nonce, username, password: 'reuse-password-1', admin: false, mac: registrationMac(SECRET, nonce, username, 'reuse-password-1', false),
    });
    const first = await api(server.baseUrl, 'POST', '/_synapse/admin/v1/register', { body: body('reuse1') });
    const second = await api<{ errcode: string; error: string }>(server.baseUrl, 'POST', '/_synapse/admin/v1/register', { body: body('reuse2') });

    assert.equal(first.status, 200);
    assert.equal(second.status, 400);
    assert.match(second.body.error, /nonce/);
  });

  it('rejects a taken user name', async () => {
    const response = await registerWithSecret(server.baseUrl, SECRET, 'root', 'other-password-1', false);
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_USER_IN_USE');
  });

  it('rejects a malformed body', async () => {
    const response = await api<{ errcode: string }>(server.baseUrl, 'POST', '/_synapse/admin/v1/register', { body: { nonce: 'x' } });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_BAD_JSON');
  });

  it('reports the server version', async () => {
    const response = await api<{ server_version: string }>(server.baseUrl, 'GET', '/_synapse/admin/v1/server_version');
    assert.equal(response.status, 200);
    assert.match(response.body.server_version, /^lattice\/\d+\.\d+\.\d+/);
  });
});

describe('shared-secret registration disabled', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.dispose());

  it('refuses a nonce without a secret', async () => {
    const response = await api<{ errcode: string; error: string }>(server.baseUrl, 'GET', '/_synapse/admin/v1/register');
    assert.equal(response.status, 400);
    assert.match(response.body.error, /registration_shared_secret/);
  });
});
