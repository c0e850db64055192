// User-interactive auth for SSO accounts: the `m.login.sso` stage through its fallback page, which
// signs in again through the Nextcloud emulator before a device may be deleted.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import type { TestServer } from '../support/server.js';
import { signInThroughNextcloud, SsoBrowser } from '../support/sso-browser.js';
import { confirmThroughFallback, FALLBACK_PATH as FALLBACK, ssoLogin, startSsoServer, type SsoLogin as Login } from '../identity/sso-support.js';

const FRANK: NewUser = { id: 'frank', password: 'frank-password-1', displayName: 'Frank' };
const GRACE: NewUser = { id: 'grace', password: 'grace-password-1', displayName: 'Grace' };

async function deleteDevice(server: TestServer, login: Login, deviceId: string, auth?: Record<string, unknown>): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${server.baseUrl}/_matrix/client/v3/devices/${encodeURIComponent(deviceId)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${login.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(auth === undefined ? {} : { auth }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('SSO user-interactive auth', () => {
  let emulator: NextcloudEmulator;
  let server: TestServer;

  before(async () => {
    emulator = await NextcloudEmulator.start();
    emulator.addUser(FRANK);
    emulator.addUser(GRACE);
    server = await startSsoServer({ providers: [{ id: 'nextcloud', emulator }] });
  });
  after(async () => {
    await server.dispose();
    await emulator.stop();
  });

  it('device deletion after SSO fallback', async () => {
    const laptop = await ssoLogin(server, FRANK);
    const phone = await ssoLogin(server, FRANK);

    const challenge = await deleteDevice(server, laptop, phone.deviceId);
    assert.equal(challenge.status, 401);
    assert.deepEqual(challenge.body.flows, [{ stages: ['m.login.sso'] }]);
    const session = challenge.body.session as string;
    assert.equal(typeof session, 'string');

    const fallbackPage = await new SsoBrowser().get(`${server.baseUrl}${FALLBACK}?session=${encodeURIComponent(session)}`);
    assert.match(fallbackPage.body, /remove devices from your account/);
    assert.match(fallbackPage.body, /@frank:localhost/);

    const done = await confirmThroughFallback(server, new SsoBrowser(), session, FRANK);
    assert.equal(done.status, 200, done.body);
    assert.match(done.body, /<title>Confirmed<\/title>/);
    assert.match(done.body, /window\.opener\.postMessage\("authDone", "\*"\)/);

    const deleted = await deleteDevice(server, laptop, phone.deviceId, { session });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    const devices = await fetch(`${server.baseUrl}/_matrix/client/v3/devices`, { headers: { authorization: `Bearer ${laptop.accessToken}` } });
    const listed = ((await devices.json()) as { devices: Array<{ device_id: string }> }).devices.map((device) => device.device_id);
    assert.deepEqual(listed, [laptop.deviceId]);
  });

  it('completion script is allowed by hash', async () => {
    const laptop = await ssoLogin(server, FRANK);
    const phone = await ssoLogin(server, FRANK);
    const session = (await deleteDevice(server, laptop, phone.deviceId)).body.session as string;
    const done = await confirmThroughFallback(server, new SsoBrowser(), session, FRANK);
    assert.equal(done.status, 200, done.body);
    const script = /<script>([\s\S]*)<\/script>/.exec(done.body)?.[1] ?? '';
    assert.ok(script.includes('onAuthDone'), done.body);
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    const policy = done.headers.get('content-security-policy') ?? '';
    assert.ok(policy.includes(`script-src 'sha256-${hash}'`), policy);
    assert.match(policy, /frame-ancestors 'none'/);
  });

  it('another user cannot confirm', async () => {
    const laptop = await ssoLogin(server, FRANK);
    const phone = await ssoLogin(server, FRANK);
    const session = (await deleteDevice(server, laptop, phone.deviceId)).body.session as string;

    const done = await confirmThroughFallback(server, new SsoBrowser(), session, GRACE);
    assert.equal(done.status, 403);
    assert.match(done.body, /You signed in as @grace:localhost/);

    const retried = await deleteDevice(server, laptop, phone.deviceId, { session });
    assert.equal(retried.status, 401);
    assert.deepEqual(retried.body.flows, [{ stages: ['m.login.sso'] }]);
    assert.equal(retried.body.completed, undefined);
  });

  it('done page needs the fallback cookie', async () => {
    const laptop = await ssoLogin(server, FRANK);
    const phone = await ssoLogin(server, FRANK);
    const session = (await deleteDevice(server, laptop, phone.deviceId)).body.session as string;

    // A sign-in started from a link that skipped the fallback page, so its browser has no cookie.
    const doneUrl = `${server.baseUrl}${FALLBACK}/done?session=${encodeURIComponent(session)}`;
    const browser = new SsoBrowser();
    const result = await signInThroughNextcloud(browser, `${server.baseUrl}/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(doneUrl)}`, { user: FRANK.id, password: FRANK.password });
    assert.equal(result.status, 400);
    assert.match(result.body, /Confirmation expired/);

    const retried = await deleteDevice(server, laptop, phone.deviceId, { session });
    assert.equal(retried.status, 401);
  });

  it('unknown session shows an error page', async () => {
    const response = await fetch(`${server.baseUrl}${FALLBACK}?session=no-such-session`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /unknown or has expired/);
  });
});
