// The 3PID endpoints over HTTP on a server without 3PID changes: email addresses come from the
// identity provider, and no identity server is contacted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createUser } from '../support/matrix.js';
import { assertNoViolations, loadSpecValidator, validatingFetch, type Violation } from '../support/openapi.js';
import { TestServer } from '../support/server.js';

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

describe('3PID endpoints without 3PID changes', () => {
  before(async () => {
    server = await TestServer.start();
    specFetch = validatingFetch(await loadSpecValidator(), violations);
  });
  after(async () => server.dispose());

  it('3PID changes are forbidden', async () => {
    const user = await createUser(server, 'tara');
    const address = { medium: 'email', address: 'tara@example.org' };
    for (const path of ['/account/3pid/add', '/account/3pid/delete', '/account/3pid']) {
      const response = await rejected('POST', path, user.token, { ...address, client_secret: 'secret', sid: 'sid' });
      assert.equal(response.status, 403, path);
      assert.equal(response.body.errcode, 'M_FORBIDDEN', path);
    }
    const emailToken = await call('POST', '/account/3pid/email/requestToken', undefined, { client_secret: 'secret', email: 'tara@example.org', send_attempt: 1 });
    assert.equal(emailToken.status, 403);
    assert.equal(emailToken.body.errcode, 'M_FORBIDDEN');
    const smsToken = await call('POST', '/account/3pid/msisdn/requestToken', undefined, { client_secret: 'secret', country: 'GB', phone_number: '07700900002', send_attempt: 1 });
    assert.equal(smsToken.status, 403);
    assert.equal(smsToken.body.errcode, 'M_FORBIDDEN');
  });

  it('3PID bind and unbind without identity servers', async () => {
    const user = await createUser(server, 'uma');
    const bind = await rejected('POST', '/account/3pid/bind', user.token, { client_secret: 'secret', id_server: 'id.example.org', id_access_token: 'token', sid: 'sid' });
    assert.equal(bind.status, 400);
    assert.equal(bind.body.errcode, 'M_SERVER_NOT_TRUSTED');

    const unbind = await call('POST', '/account/3pid/unbind', user.token, { medium: 'email', address: 'uma@example.org' });
    assert.equal(unbind.status, 200);
    assert.deepEqual(unbind.body, { id_server_unbind_result: 'no-support' });

    const badMedium = await rejected('POST', '/account/3pid/unbind', user.token, { medium: 'fax', address: '123' });
    assert.equal(badMedium.status, 400);
    assert.equal(badMedium.body.errcode, 'M_BAD_JSON');
    assert.equal((await rejected('POST', '/account/3pid/unbind', undefined, { medium: 'email', address: 'uma@example.org' })).status, 401);
  });

  it('responses match the spec', async (t) => {
    await assertNoViolations(t, violations);
  });
});
