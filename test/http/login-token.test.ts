// POST /login/get_token (spec v1.7): a signed-in user gets a login token for another device.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, type TestUser } from '../support/matrix.js';
import { assertNoViolations, loadSpecValidator, validatingFetch, type Violation } from '../support/openapi.js';
import { TestServer } from '../support/server.js';

type Json = Record<string, any>;

describe('login token for another device', () => {
  const violations: Violation[] = [];
  let specFetch: typeof fetch = fetch;
  let server: TestServer;
  let alice: TestUser;

  const call = async (method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await specFetch(`${server.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Json };
  };
  const getToken = (body: unknown = {}) => call('POST', '/_matrix/client/v1/login/get_token', alice.token, body);
  const passwordAuth = (session: string, password = 'alice-password') => ({
    auth: { type: 'm.login.password', session, identifier: { type: 'm.id.user', user: 'alice' }, password },
  });
  const loginWith = (token: string) => call('POST', '/_matrix/client/v3/login', undefined, { type: 'm.login.token', token });

  before(async () => {
    specFetch = validatingFetch(await loadSpecValidator(), violations);
    server = await TestServer.start();
    alice = await createUser(server, 'alice');
  });
  after(async () => server.dispose());

  it('login flows offer get_login_token', async () => {
    const { body } = await call('GET', '/_matrix/client/v3/login');
    const tokenFlow = body.flows.find((flow: Json) => flow.type === 'm.login.token');
    assert.equal(tokenFlow?.get_login_token, true);
  });

  it('capability is enabled', async () => {
    const { body } = await call('GET', '/_matrix/client/v3/capabilities', alice.token);
    assert.deepEqual(body.capabilities['m.get_login_token'], { enabled: true });
  });

  it('first attempt gets a UIA challenge', async () => {
    const { status, body } = await getToken();
    assert.equal(status, 401);
    assert.deepEqual(body.flows, [{ stages: ['m.login.password'] }]);
    assert.equal(typeof body.session, 'string');
  });

  it('wrong password is rejected', async () => {
    const challenge = await getToken();
    const { status, body } = await getToken(passwordAuth(challenge.body.session, 'wrong'));
    assert.equal(status, 401);
    assert.equal(body.errcode, 'M_FORBIDDEN');
    assert.equal(body.login_token, undefined);
  });

  it('issued token signs in once', async () => {
    const challenge = await getToken();
    const granted = await getToken(passwordAuth(challenge.body.session));
    assert.equal(granted.status, 200);
    assert.equal(typeof granted.body.login_token, 'string');
    assert.ok(granted.body.expires_in_ms > 0);

    const login = await loginWith(granted.body.login_token);
    assert.equal(login.status, 200);
    assert.equal(login.body.user_id, alice.userId);
    assert.notEqual(login.body.device_id, alice.deviceId, 'the new device gets its own id');

    const again = await loginWith(granted.body.login_token);
    assert.equal(again.status, 403);
    assert.equal(again.body.errcode, 'M_FORBIDDEN');
  });

  it('every token needs new auth', async () => {
    const challenge = await getToken();
    assert.equal((await getToken(passwordAuth(challenge.body.session))).status, 200);

    const sameSession = await getToken({ auth: { session: challenge.body.session } });
    assert.equal(sameSession.status, 401, 'a completed session does not grant a second token');
    assert.equal(sameSession.body.login_token, undefined);
  });

  it('anonymous request is M_MISSING_TOKEN', async () => {
    // The spec gives this endpoint's 401 only the UIA body, but a missing access token gets the
    // standard error body that every endpoint uses, so this request skips the validator.
    const response = await fetch(`${server.baseUrl}/_matrix/client/v1/login/get_token`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as Json).errcode, 'M_MISSING_TOKEN');
  });

  it('responses follow the spec', async (t) => {
    await assertNoViolations(t, violations);
  });
});
