// Account self-service over HTTP for local password accounts: password change, deactivation, and
// OpenID tokens for integrations.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, passwordLogin } from '../support/client.js';
import { createRoom, createUser, room, type TestUser } from '../support/matrix.js';
import { assertNoViolations, loadSpecValidator, validatingFetch, type Violation } from '../support/openapi.js';
import { registerUser, TestServer } from '../support/server.js';
import { registerWithSecret } from '../admin/admin-support.js';

type Json = Record<string, any>;

const violations: Violation[] = [];
let specFetch: typeof fetch = fetch;
let server: TestServer;

/** Calls a client-server endpoint through the spec-validating fetch. */
async function call(method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await specFetch(`${server.baseUrl}/_matrix/client/v3${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Json) };
}

/**
 * Sends a request that the server must reject with a status the spec does not list for the
 * endpoint (the common error codes apply to every endpoint), so it skips the validator and checks
 * the standard error body itself.
 */
async function rejected(method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await api<Json>(server.baseUrl, method, `/_matrix/client/v3${path}`, { token, body });
  assert.equal(typeof response.body.errcode, 'string', JSON.stringify(response.body));
  assert.equal(typeof response.body.error, 'string', JSON.stringify(response.body));
  return { status: response.status, body: response.body };
}

const passwordAuth = (user: TestUser, password: string, session: string) => ({
  type: 'm.login.password', identifier: { type: 'm.id.user', user: user.userId }, password, session,
});

async function whoami(token: string): Promise<number> {
  return (await api(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token })).status;
}

async function loginStatus(localpart: string, password: string): Promise<{ status: number; errcode?: string }> {
  const response = await api<Json>(server.baseUrl, 'POST', '/_matrix/client/v3/login', {
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, password },
  });
  return { status: response.status, errcode: response.body.errcode };
}

describe('account self-service', () => {
  let admin: TestUser;

  before(async () => {
    server = await TestServer.start();
    specFetch = validatingFetch(await loadSpecValidator(), violations);
    await registerUser(server, 'root', 'root-password', true);
    admin = await passwordLogin(server.baseUrl, 'root', 'root-password');
  });
  after(async () => server.dispose());

  it('capabilities allow password changes', async () => {
    const response = await call('GET', '/capabilities', admin.token);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.capabilities['m.change_password'], { enabled: true });
    assert.deepEqual(response.body.capabilities['m.3pid_changes'], { enabled: false });
  });

  it('password change signs out other devices', async () => {
    const laptop = await createUser(server, 'paula');
    const phone = await passwordLogin(server.baseUrl, 'paula', 'paula-password');

    const challenge = await call('POST', '/account/password', laptop.token, { new_password: 'paula-new-password' });
    assert.equal(challenge.status, 401);
    assert.deepEqual(challenge.body.flows, [{ stages: ['m.login.password'] }]);
    const session = challenge.body.session as string;

    const wrong = await call('POST', '/account/password', laptop.token, { new_password: 'paula-new-password', auth: passwordAuth(laptop, 'not-her-password', session) });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.errcode, 'M_FORBIDDEN');

    const changed = await call('POST', '/account/password', laptop.token, {
      new_password: 'paula-new-password', auth: passwordAuth(laptop, 'paula-password', wrong.body.session as string),
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(changed.body, {});

    assert.equal(await whoami(laptop.token), 200);
    assert.equal(await whoami(phone.token), 401);
    assert.equal((await loginStatus('paula', 'paula-password')).status, 403);
    assert.equal((await loginStatus('paula', 'paula-new-password')).status, 200);
  });

  it('password change can keep devices', async () => {
    const laptop = await createUser(server, 'quentin');
    const phone = await passwordLogin(server.baseUrl, 'quentin', 'quentin-password');
    const session = (await call('POST', '/account/password', laptop.token, { new_password: 'quentin-new-password' })).body.session as string;

    const changed = await call('POST', '/account/password', laptop.token, {
      new_password: 'quentin-new-password', logout_devices: false, auth: passwordAuth(laptop, 'quentin-password', session),
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(await whoami(phone.token), 200);
    assert.equal((await loginStatus('quentin', 'quentin-new-password')).status, 200);
  });

  it('password change rejects a short password', async () => {
    const user = await createUser(server, 'rita');
    const response = await rejected('POST', '/account/password', user.token, { new_password: 'short' });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_WEAK_PASSWORD');
    assert.match(response.body.error, /at least 8 characters/);
    assert.equal((await loginStatus('rita', 'rita-password')).status, 200);
  });

  it('password change needs a body and a token', async () => {
    const user = await createUser(server, 'sam');
    const noPassword = await rejected('POST', '/account/password', user.token, { logout_devices: true });
    assert.equal(noPassword.status, 400);
    assert.equal(noPassword.body.errcode, 'M_BAD_JSON');
    const wrongType = await rejected('POST', '/account/password', user.token, { new_password: 'sam-new-password', logout_devices: 'yes' });
    assert.equal(wrongType.status, 400);
    const anonymous = await rejected('POST', '/account/password', undefined, { new_password: 'sam-new-password' });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.errcode, 'M_MISSING_TOKEN');
  });

  it('password reset by email or SMS is unsupported', async () => {
    const email = await call('POST', '/account/password/email/requestToken', undefined, { client_secret: 'secret', email: 'paula@example.org', send_attempt: 1 });
    assert.equal(email.status, 400);
    assert.equal(email.body.errcode, 'M_THREEPID_MEDIUM_NOT_SUPPORTED');
    const sms = await call('POST', '/account/password/msisdn/requestToken', undefined, { client_secret: 'secret', country: 'GB', phone_number: '07700900001', send_attempt: 1 });
    assert.equal(sms.status, 400);
    assert.equal(sms.body.errcode, 'M_THREEPID_MEDIUM_NOT_SUPPORTED');
    const malformed = await call('POST', '/account/password/email/requestToken', undefined, { email: 'paula@example.org' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.errcode, 'M_BAD_JSON');
  });

  it('deactivation signs out and leaves rooms', async () => {
    const victor = await createUser(server, 'victor');
    const otherDevice = await passwordLogin(server.baseUrl, 'victor', 'victor-password');
    const roomId = await createRoom(server, admin, { invite: [victor.userId] });
    assert.equal((await api(server.baseUrl, 'POST', `${room(roomId)}/join`, { token: victor.token })).status, 200);
    const invitedRoom = await createRoom(server, admin, { invite: [victor.userId] });

    const challenge = await call('POST', '/account/deactivate', victor.token, {});
    assert.equal(challenge.status, 401);
    assert.deepEqual(challenge.body.flows, [{ stages: ['m.login.password'] }]);
    const wrong = await call('POST', '/account/deactivate', victor.token, { auth: passwordAuth(victor, 'wrong-password', challenge.body.session as string) });
    assert.equal(wrong.status, 401);
    assert.equal(await whoami(victor.token), 200);

    const done = await call('POST', '/account/deactivate', victor.token, { auth: passwordAuth(victor, 'victor-password', wrong.body.session as string) });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(done.body, { id_server_unbind_result: 'success' });

    assert.equal(await whoami(victor.token), 401);
    assert.equal(await whoami(otherDevice.token), 401);
    assert.deepEqual(await loginStatus('victor', 'victor-password'), { status: 403, errcode: 'M_USER_DEACTIVATED' });
    for (const id of [roomId, invitedRoom]) {
      const member = await api<Json>(server.baseUrl, 'GET', `${room(id)}/state/m.room.member/${encodeURIComponent(victor.userId)}`, { token: admin.token });
      assert.equal(member.body.membership, 'leave', id);
    }
    const record = await api<Json>(server.baseUrl, 'GET', `/_synapse/admin/v2/users/${encodeURIComponent(victor.userId)}`, { token: admin.token });
    assert.equal(record.body.deactivated, true);
  });

  it('deactivation with erase clears the profile', async () => {
    const wendy = await createUser(server, 'wendy');
    const session = (await call('POST', '/account/deactivate', wendy.token, { erase: true })).body.session as string;
    const done = await call('POST', '/account/deactivate', wendy.token, { erase: true, auth: passwordAuth(wendy, 'wendy-password', session) });
    assert.equal(done.status, 200, JSON.stringify(done.body));

    const record = await api<Json>(server.baseUrl, 'GET', `/_synapse/admin/v2/users/${encodeURIComponent(wendy.userId)}`, { token: admin.token });
    assert.equal(record.body.deactivated, true);
    assert.equal(record.body.displayname ?? null, null);
  });

  it('deactivation rejects a bad body', async () => {
    const user = await createUser(server, 'xena');
    const response = await rejected('POST', '/account/deactivate', user.token, { erase: 'yes' });
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_INVALID_PARAM');
    assert.equal(await whoami(user.token), 200);
  });

  it('OpenID token names its user', async () => {
    const yara = await createUser(server, 'yara');
    const issued = await call('POST', `/user/${encodeURIComponent(yara.userId)}/openid/request_token`, yara.token, {});
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    assert.equal(issued.body.token_type, 'Bearer');
    assert.equal(issued.body.matrix_server_name, server.serverName);
    assert.equal(issued.body.expires_in, 3600);
    assert.equal(typeof issued.body.access_token, 'string');
    assert.ok(issued.body.access_token.length >= 32);

    const info = await api<Json>(server.baseUrl, 'GET', `/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(issued.body.access_token)}`);
    assert.equal(info.status, 200);
    assert.deepEqual(info.body, { sub: yara.userId });

    // An OpenID token is not an access token for the client API.
    assert.equal(await whoami(issued.body.access_token), 401);
  });

  it('OpenID token only for oneself', async () => {
    const zack = await createUser(server, 'zack');
    const response = await rejected('POST', `/user/${encodeURIComponent(admin.userId)}/openid/request_token`, zack.token, {});
    assert.equal(response.status, 403);
    assert.equal(response.body.errcode, 'M_FORBIDDEN');
  });

  it('OpenID userinfo rejects unknown tokens', async () => {
    const unknown = await api<Json>(server.baseUrl, 'GET', '/_matrix/federation/v1/openid/userinfo?access_token=not-a-token');
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.errcode, 'M_UNKNOWN_TOKEN');
    const missing = await api<Json>(server.baseUrl, 'GET', '/_matrix/federation/v1/openid/userinfo');
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errcode, 'M_MISSING_PARAM');
  });

  it('OpenID token dies with its account', async () => {
    const owen = await createUser(server, 'owen');
    const token = (await call('POST', `/user/${encodeURIComponent(owen.userId)}/openid/request_token`, owen.token, {})).body.access_token as string;
    const session = (await call('POST', '/account/deactivate', owen.token, {})).body.session as string;
    assert.equal((await call('POST', '/account/deactivate', owen.token, { auth: passwordAuth(owen, 'owen-password', session) })).status, 200);

    const info = await api<Json>(server.baseUrl, 'GET', `/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(token)}`);
    assert.equal(info.status, 401);
    assert.equal(info.body.errcode, 'M_UNKNOWN_TOKEN');
  });

  it('responses match the spec', async (t) => {
    await assertNoViolations(t, violations);
  });
});

describe('account self-service without password login', () => {
  const secret = 'shared-secret-for-account-tests';
  let closed: TestServer;

  before(async () => {
    closed = await TestServer.start({ config: { password_config: { enabled: false }, registration_shared_secret: secret } });
  });
  after(async () => closed.dispose());

  it('password changes are disabled', async () => {
    // Shared-secret registration signs the new account in even with password login off.
    const registered = await registerWithSecret(closed.baseUrl, secret, 'ursula', 'ursula-password', false);
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    const token = registered.body.access_token;

    const capabilities = await api<Json>(closed.baseUrl, 'GET', '/_matrix/client/v3/capabilities', { token });
    assert.deepEqual(capabilities.body.capabilities['m.change_password'], { enabled: false });

    const change = await api<Json>(closed.baseUrl, 'POST', '/_matrix/client/v3/account/password', { token, body: { new_password: 'ursula-new-password' } });
    assert.equal(change.status, 403);
    assert.equal(change.body.errcode, 'M_FORBIDDEN');
    assert.match(change.body.error, /password_config\.enabled/);
  });
});
