// Account self-service for accounts that sign in through Nextcloud: deactivation confirmed on the
// m.login.sso fallback page, and the password and email changes that belong to Nextcloud.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import { assertNoViolations, loadSpecValidator, validatingFetch, type Violation } from '../support/openapi.js';
import type { TestServer } from '../support/server.js';
import { SsoBrowser } from '../support/sso-browser.js';
import { confirmThroughFallback, FALLBACK_PATH, signIn, ssoLogin, startSsoServer, type SsoLogin } from '../identity/sso-support.js';

type Json = Record<string, any>;

const HEIDI: NewUser = { id: 'heidi', password: 'heidi-password-1', displayName: 'Heidi', email: 'heidi@example.org' };
const IVAN: NewUser = { id: 'ivan', password: 'ivan-password-1', displayName: 'Ivan', email: 'ivan@example.org' };

const violations: Violation[] = [];
let specFetch: typeof fetch = fetch;

async function call(server: TestServer, login: SsoLogin, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await specFetch(`${server.baseUrl}/_matrix/client/v3${path}`, {
    method,
    headers: { authorization: `Bearer ${login.accessToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

describe('account self-service for SSO accounts', () => {
  let emulator: NextcloudEmulator;
  let server: TestServer;

  before(async () => {
    emulator = await NextcloudEmulator.start();
    emulator.addUser(HEIDI);
    emulator.addUser(IVAN);
    server = await startSsoServer({ providers: [{ id: 'nextcloud', emulator }] });
    specFetch = validatingFetch(await loadSpecValidator(), violations);
  });
  after(async () => {
    await server.dispose();
    await emulator.stop();
  });

  it('password change is forbidden', async () => {
    const login = await ssoLogin(server, HEIDI);
    const response = await api<Json>(server.baseUrl, 'POST', '/_matrix/client/v3/account/password', {
      token: login.accessToken, body: { new_password: 'a-new-password' },
    });
    assert.equal(response.status, 403);
    assert.equal(response.body.errcode, 'M_FORBIDDEN');
    assert.match(response.body.error, /single sign-on/);
  });

  it('Nextcloud email cannot be deleted', async () => {
    const login = await ssoLogin(server, HEIDI);
    const listed = await call(server, login, 'GET', '/account/3pid');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.threepids.map((threepid: Json) => threepid.address), ['heidi@example.org']);

    const deleted = await api<Json>(server.baseUrl, 'POST', '/_matrix/client/v3/account/3pid/delete', {
      token: login.accessToken, body: { medium: 'email', address: 'heidi@example.org' },
    });
    assert.equal(deleted.status, 403);
    assert.equal(deleted.body.errcode, 'M_FORBIDDEN');
    assert.match(deleted.body.error, /identity provider/);
    assert.equal((await call(server, login, 'GET', '/account/3pid')).body.threepids.length, 1);
  });

  it('deactivation through the SSO fallback', async () => {
    const laptop = await ssoLogin(server, IVAN);
    const phone = await ssoLogin(server, IVAN);

    const challenge = await call(server, laptop, 'POST', '/account/deactivate', { erase: true });
    assert.equal(challenge.status, 401);
    assert.deepEqual(challenge.body.flows, [{ stages: ['m.login.sso'] }]);
    const session = challenge.body.session as string;

    // Retrying before the fallback page was completed is still unauthorised.
    const early = await call(server, laptop, 'POST', '/account/deactivate', { erase: true, auth: { session } });
    assert.equal(early.status, 401);

    const page = await new SsoBrowser().get(`${server.baseUrl}${FALLBACK_PATH}?session=${encodeURIComponent(session)}`);
    assert.match(page.body, /deactivate your account/);
    const done = await confirmThroughFallback(server, new SsoBrowser(), session, IVAN);
    assert.equal(done.status, 200, done.body);

    const deactivated = await call(server, laptop, 'POST', '/account/deactivate', { erase: true, auth: { session } });
    assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));
    assert.deepEqual(deactivated.body, { id_server_unbind_result: 'success' });

    for (const device of [laptop, phone]) {
      const whoami = await api(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: device.accessToken });
      assert.equal(whoami.status, 401);
    }

    // The Nextcloud account still exists, but signing in with it must not revive or replace the Matrix account.
    const again = await signIn(new SsoBrowser(), server, IVAN);
    assert.equal(again.status, 400, again.finalUrl);
    assert.match(again.body, /deactivated/);
  });

  it('responses match the spec', async (t) => {
    await assertNoViolations(t, violations);
  });
});
