import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import { databasePlacesContaining } from '../support/server-database.js';
import { registerUser, TestServer } from '../support/server.js';
import { SsoBrowser } from '../support/sso-browser.js';
import {
  CLIENT_ORIGIN, CLIENT_URL, logEventCount, loginTokenOf, signIn, signInUntilCallback, startSsoServer, startUrl, userRows, waitForLogEvent,
} from './sso-support.js';

const ALICE: NewUser = { id: 'alice', password: 'alice-password-1', displayName: 'Alice Example', email: 'alice@example.test' };
const BOB: NewUser = { id: 'Bob Smith', password: 'bob-password-1', displayName: 'Bob Smith' };
const CAROL: NewUser = { id: 'carol', password: 'carol-password-1', displayName: 'Carol' };

async function loginWithToken(server: TestServer, token: string) {
  return api<{ user_id: string; access_token: string; device_id: string; errcode?: string }>(server.baseUrl, 'POST', '/_matrix/client/v3/login', {
    body: { type: 'm.login.token', token },
  });
}

describe('SSO through Nextcloud', () => {
  let emulator: NextcloudEmulator;
  let server: TestServer;

  before(async () => {
    emulator = await NextcloudEmulator.start();
    for (const user of [ALICE, BOB, CAROL]) emulator.addUser(user);
    server = await startSsoServer({ providers: [{ id: 'nextcloud', emulator }] });
  });

  after(async () => {
    await server.dispose();
    await emulator.stop();
  });

  it('lists m.login.sso and m.login.token', async () => {
    const response = await api<{ flows: Array<{ type: string; identity_providers?: unknown }> }>(server.baseUrl, 'GET', '/_matrix/client/v3/login');
    assert.equal(response.status, 200);
    const sso = response.body.flows.find((flow) => flow.type === 'm.login.sso');
    assert.deepEqual(sso?.identity_providers, [{ id: 'nextcloud', name: 'Nextcloud' }]);
    assert.ok(response.body.flows.some((flow) => flow.type === 'm.login.token'));
  });

  it('puts loginToken before the fragment', async () => {
    const redirectUrl = `${CLIENT_ORIGIN}/app/?keep=a%20b&loginToken=stale#/room/!x:localhost`;
    const result = await signIn(new SsoBrowser(), server, ALICE, { redirectUrl });
    assert.equal(result.status, 302);

    const final = result.finalUrl;
    assert.ok(final.startsWith(`${CLIENT_ORIGIN}/app/?keep=a%20b&loginToken=`), final);
    assert.ok(final.indexOf('loginToken=') < final.indexOf('#'), final);
    assert.ok(final.endsWith('#/room/!x:localhost'), final);
    const url = new URL(final);
    assert.equal(url.searchParams.getAll('loginToken').length, 1);
    assert.notEqual(url.searchParams.get('loginToken'), 'stale');
  });

  it('exchanges the login token once', async () => {
    const token = loginTokenOf(await signIn(new SsoBrowser(), server, ALICE));

    const first = await loginWithToken(server, token);
    assert.equal(first.status, 200);
    assert.equal(first.body.user_id, '@alice:localhost');
    assert.equal(typeof first.body.access_token, 'string');
    assert.equal(typeof first.body.device_id, 'string');

    const whoami = await api<{ user_id: string }>(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: first.body.access_token });
    assert.equal(whoami.body.user_id, '@alice:localhost');

    const second = await loginWithToken(server, token);
    assert.equal(second.status, 403);
    assert.equal(second.body.errcode, 'M_FORBIDDEN');
  });

  it('sends PKCE, client_secret_post and Bearer', async () => {
    const firstRequest = emulator.requests.length;
    loginTokenOf(await signIn(new SsoBrowser(), server, CAROL));
    const requests = emulator.requests.slice(firstRequest);

    const authorize = requests.find((request) => request.path.startsWith('/index.php/apps/oauth2/authorize'));
    assert.ok(authorize, 'authorize request');
    const authorizeQuery = new URL(authorize.path, emulator.baseUrl).searchParams;
    assert.equal(authorizeQuery.get('response_type'), 'code');
    assert.equal(authorizeQuery.get('code_challenge_method'), 'S256');
    assert.match(authorizeQuery.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok((authorizeQuery.get('state') ?? '').length >= 32);
    assert.equal(authorizeQuery.get('redirect_uri'), `${server.baseUrl}/_synapse/client/oidc/callback`);

    const token = requests.find((request) => request.path === '/index.php/apps/oauth2/api/v1/token');
    assert.ok(token, 'token request');
    const form = new URLSearchParams(token.body);
    assert.equal(form.get('grant_type'), 'authorization_code');
    assert.equal(typeof form.get('client_id'), 'string');
    assert.equal(typeof form.get('client_secret'), 'string');
    assert.match(form.get('code_verifier') ?? '', /^[A-Za-z0-9_-]{43,128}$/);
    assert.equal(token.headers.authorization, undefined, 'no Basic credentials');
    assert.equal(token.headers.cookie, undefined, 'no cookies to the token endpoint');

    const ocs = requests.find((request) => request.path.startsWith('/ocs/v2.php/cloud/user'));
    assert.ok(ocs, 'OCS request');
    assert.equal(ocs.path, '/ocs/v2.php/cloud/user?format=json');
    assert.match(String(ocs.headers.authorization), /^Bearer [A-Za-z0-9]{72}$/);
    assert.equal(ocs.headers['ocs-apirequest'], 'true');
    assert.equal(ocs.headers.accept, 'application/json');
    assert.equal(ocs.headers.cookie, undefined, 'no cookies to OCS');
  });

  it('neither logs nor stores the Nextcloud token', async () => {
    const firstRequest = emulator.requests.length;
    loginTokenOf(await signIn(new SsoBrowser(), server, ALICE));
    const ocs = emulator.requests.slice(firstRequest).find((request) => request.path.startsWith('/ocs/v2.php/cloud/user'));
    const accessToken = String(ocs?.headers.authorization).slice('Bearer '.length);
    const token = emulator.requests.slice(firstRequest).find((request) => request.path === '/index.php/apps/oauth2/api/v1/token');
    const code = new URLSearchParams(token?.body).get('code') ?? '';
    assert.equal(accessToken.length, 72);
    assert.equal(code.length, 128);

    assert.deepEqual(server.logsContaining(accessToken), []);
    assert.deepEqual(server.logsContaining(code), []);
    assert.deepEqual(await databasePlacesContaining(server, accessToken), [], 'the database contains the access token');
  });

  it('logs the sign-in as a domain event', async () => {
    const before = logEventCount(server, 'sign-in succeeded');
    loginTokenOf(await signIn(new SsoBrowser(), server, ALICE));
    const last = await waitForLogEvent(server, 'sign-in succeeded', before);
    assert.equal(last.userId, '@alice:localhost');
    assert.equal(last.provider, 'nextcloud');
    assert.equal(last.newUser, false);
    assert.equal(typeof last.requestId, 'string');
  });

  it('maps Bob Smith to @bob=20smith', async () => {
    const token = loginTokenOf(await signIn(new SsoBrowser(), server, BOB));
    const login = await loginWithToken(server, token);
    assert.equal(login.body.user_id, '@bob=20smith:localhost');
    const row = (await userRows(server)).find((user) => user.user_id === '@bob=20smith:localhost');
    assert.equal(row?.displayname, 'Bob Smith');
  });

  it('keeps the user id on later sign-ins', async () => {
    const first = await loginWithToken(server, loginTokenOf(await signIn(new SsoBrowser(), server, BOB)));
    const second = await loginWithToken(server, loginTokenOf(await signIn(new SsoBrowser(), server, BOB)));
    assert.equal(first.body.user_id, second.body.user_id);
    assert.equal((await userRows(server)).filter((user) => user.localpart.startsWith('bob')).length, 1);
  });

  it('keeps the display name without update_profile_on_login', async () => {
    loginTokenOf(await signIn(new SsoBrowser(), server, CAROL));
    emulator.setDisplayName(CAROL.id, 'Carol Renamed');
    loginTokenOf(await signIn(new SsoBrowser(), server, CAROL));
    const row = (await userRows(server)).find((user) => user.user_id === '@carol:localhost');
    assert.equal(row?.displayname, 'Carol');
    emulator.setDisplayName(CAROL.id, 'Carol');
  });

  it('sets a cookie that survives the cross-site return', async () => {
    const response = await fetch(startUrl(server), { redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.ok(response.headers.get('location')?.startsWith(`${emulator.baseUrl}/index.php/apps/oauth2/authorize?`));
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const cookie = response.headers.getSetCookie()[0] ?? '';
    assert.match(cookie, /^lattice_sso_state=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+;/);
    assert.match(cookie, /; Path=\/_synapse\/(;|$)/);
    assert.match(cookie, /; HttpOnly(;|$)/);
    assert.match(cookie, /; SameSite=Lax(;|$)/);
    assert.match(cookie, /; Max-Age=600(;|$)/);
    assert.doesNotMatch(cookie, /Secure/, 'plain-HTTP public_baseurl');
  });

  it('serves the r0 redirect path', async () => {
    const response = await fetch(`${server.baseUrl}/_matrix/client/r0/login/sso/redirect/nextcloud?redirectUrl=${encodeURIComponent(CLIENT_ORIGIN)}`, { redirect: 'manual' });
    assert.equal(response.status, 302);
  });

  it('rejects a missing redirectUrl', async () => {
    const response = await api(server.baseUrl, 'GET', '/_matrix/client/v3/login/sso/redirect');
    assert.equal(response.status, 400);
    assert.equal(response.body.errcode, 'M_MISSING_PARAM');
  });

  it('rejects a relative or non-HTTP redirectUrl', async () => {
    for (const redirectUrl of ['/app/', 'javascript:alert(1)', 'element://vector/webapp/', 'not a url']) {
      const response = await api(server.baseUrl, 'GET', `/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(redirectUrl)}`);
      assert.equal(response.status, 400, redirectUrl);
      assert.equal(response.body.errcode, 'M_INVALID_PARAM', redirectUrl);
    }
  });

  it('returns 404 for an unknown provider', async () => {
    const response = await api(server.baseUrl, 'GET', `/_matrix/client/v3/login/sso/redirect/github?redirectUrl=${encodeURIComponent(CLIENT_URL)}`);
    assert.equal(response.status, 404);
    assert.equal(response.body.errcode, 'M_NOT_FOUND');
  });

  it('asks before sending a token elsewhere', async () => {
    const redirectUrl = 'http://127.0.0.1:7/other-client/';
    const usersBefore = (await userRows(server)).length;
    const result = await signIn(new SsoBrowser(), server, ALICE, { redirectUrl });
    assert.equal(result.status, 200);
    assert.match(result.body, /<title>Continue to 127\.0\.0\.1:7\?<\/title>/);
    const link = /href="([^"]+)"/.exec(result.body)?.[1]?.replaceAll('&amp;', '&') ?? '';
    assert.ok(link.startsWith(`${redirectUrl}?loginToken=`), link);

    const login = await loginWithToken(server, new URL(link).searchParams.get('loginToken') ?? '');
    assert.equal(login.body.user_id, '@alice:localhost');
    assert.equal((await userRows(server)).length, usersBefore);
  });

  it('sends the confirmation page with strict headers', async () => {
    const browser = new SsoBrowser();
    const callback = await signInUntilCallback(browser, server, ALICE, { redirectUrl: 'http://127.0.0.1:7/' });
    const response = await browser.get(callback);
    assert.equal(response.status, 200);
    assert.match(response.body, /Continue to 127\.0\.0\.1:7/);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /script-src/);
    assert.match(response.headers.getSetCookie()[0] ?? '', /^lattice_sso_state=; .*Max-Age=0/);
  });
});

describe('SSO with several providers', () => {
  const upperAlice: NewUser = { id: 'Alice', password: 'upper-alice-1', displayName: 'Alice Upper' };
  const lowerAlice: NewUser = { id: 'alice', password: 'lower-alice-1', displayName: 'Alice Lower' };
  let first: NextcloudEmulator;
  let second: NextcloudEmulator;
  let server: TestServer;

  before(async () => {
    first = await NextcloudEmulator.start();
    second = await NextcloudEmulator.start();
    first.addUser(upperAlice);
    first.addUser(CAROL);
    second.addUser(lowerAlice);
    server = await startSsoServer({
      providers: [{ id: 'cloud-a', name: 'Cloud A', emulator: first }, { id: 'cloud-b', name: 'Cloud <B>', emulator: second }],
      sso: { update_profile_on_login: true },
    });
  });

  after(async () => {
    await server.dispose();
    await first.stop();
    await second.stop();
  });

  it('shows a picker without a provider id', async () => {
    const response = await fetch(startUrl(server));
    const html = await response.text();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.match(html, /href="\/_matrix\/client\/v3\/login\/sso\/redirect\/cloud-a\?redirectUrl=http%3A%2F%2F127\.0\.0\.1%3A9%2Fapp%2F"/);
    assert.match(html, /Sign in with Cloud &lt;B&gt;/);
  });

  it('numbers a case-only collision', async () => {
    const upper = await loginWithToken(server, loginTokenOf(await signIn(new SsoBrowser(), server, upperAlice, { providerId: 'cloud-a' })));
    const lower = await loginWithToken(server, loginTokenOf(await signIn(new SsoBrowser(), server, lowerAlice, { providerId: 'cloud-b' })));
    assert.equal(upper.body.user_id, '@alice:localhost');
    assert.equal(lower.body.user_id, '@alice1:localhost');

    const again = await loginWithToken(server, loginTokenOf(await signIn(new SsoBrowser(), server, lowerAlice, { providerId: 'cloud-b' })));
    assert.equal(again.body.user_id, '@alice1:localhost');
  });

  it('never merges into a password account', async () => {
    await registerUser(server, 'carol', 'local-password-1');
    const createdBefore = logEventCount(server, 'user created');
    const login = await loginWithToken(server, loginTokenOf(await signIn(new SsoBrowser(), server, CAROL, { providerId: 'cloud-a' })));
    assert.equal(login.body.user_id, '@carol1:localhost');
    const created = await waitForLogEvent(server, 'user created', createdBefore);
    assert.equal(created.userId, '@carol1:localhost');
    assert.equal(created.provider, 'cloud-a');
    assert.equal(created.collisions, 1);
  });

  it('updates the display name with update_profile_on_login', async () => {
    const before = await loginWithToken(server, loginTokenOf(await signIn(new SsoBrowser(), server, upperAlice, { providerId: 'cloud-a' })));
    const token = before.body.access_token as string;
    const created = await api<{ room_id: string }>(server.baseUrl, 'POST', '/_matrix/client/v3/createRoom', { token, body: {} });
    assert.equal(created.status, 200);

    first.setDisplayName(upperAlice.id, 'Alice Renamed');
    loginTokenOf(await signIn(new SsoBrowser(), server, upperAlice, { providerId: 'cloud-a' }));
    const row = (await userRows(server)).find((user) => user.user_id === '@alice:localhost');
    assert.equal(row?.displayname, 'Alice Renamed');

    const memberPath = `/_matrix/client/v3/rooms/${encodeURIComponent(created.body.room_id)}/state/m.room.member/${encodeURIComponent('@alice:localhost')}`;
    const member = await api(server.baseUrl, 'GET', memberPath, { token });
    assert.equal(member.body.displayname, 'Alice Renamed');
  });
});

describe('SSO with PKCE enforced', () => {
  it('signs in where Nextcloud checks the verifier', async () => {
    const emulator = await NextcloudEmulator.start({ pkce: 'enforced' });
    emulator.addUser(ALICE);
    const server = await startSsoServer({ providers: [{ id: 'nextcloud', emulator }] });
    try {
      const login = await loginWithToken(server, loginTokenOf(await signIn(new SsoBrowser(), server, ALICE)));
      assert.equal(login.status, 200);
      assert.equal(login.body.user_id, '@alice:localhost');
    } finally {
      await server.dispose();
      await emulator.stop();
    }
  });
});

describe('SSO behind HTTPS', () => {
  it('marks the state cookie Secure', async () => {
    const emulator = await NextcloudEmulator.start();
    const client = emulator.addClient({ name: 'Lattice', redirectUri: 'https://matrix.example.test/_synapse/client/oidc/callback' });
    const server = await TestServer.start({
      config: {
        public_baseurl: 'https://matrix.example.test/',
        sso: { providers: [{ id: 'nextcloud', type: 'nextcloud', url: emulator.baseUrl, client_id: client.clientId, client_secret: client.clientSecret }] },
      },
    });
    try {
      const response = await fetch(startUrl(server), { redirect: 'manual' });
      assert.equal(response.status, 302);
      assert.match(response.headers.getSetCookie()[0] ?? '', /; Secure(;|$)/);
      const authorize = new URL(response.headers.get('location') ?? '');
      assert.equal(authorize.searchParams.get('redirect_uri'), 'https://matrix.example.test/_synapse/client/oidc/callback');
    } finally {
      await server.dispose();
      await emulator.stop();
    }
  });
});
