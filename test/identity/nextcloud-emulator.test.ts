// Checks that the Nextcloud emulator reproduces the HTTP behaviour recorded against Nextcloud
// 34.0.1 (oauth2 app 1.22.0): status codes, exact bodies and byte lengths, check order and
// account-state effects, plus a full scripted sign-in through a small relying party.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { NextcloudEmulator } from '../support/nextcloud-emulator.js';
import { abandonSignIn, readInitialState, readRequestToken, SsoBrowser, signInThroughNextcloud } from '../support/sso-browser.js';

// Nothing listens here: the scripted browser stops before following a redirect to this origin.
const CALLBACK_ORIGIN = 'http://127.0.0.1:9';
const CALLBACK = `${CALLBACK_ORIGIN}/_synapse/client/oidc/callback`;

const BODY_997 = '{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"Current user is not logged in"},"data":[]}}';
const BODY_DISABLED = '{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"Unauthorised"},"data":[]}}';
const BODY_USER_MISSING = '{"ocs":{"meta":{"status":"failure","statuscode":404,"message":"User does not exist"},"data":[]}}';
const BODY_998 = '{"ocs":{"meta":{"status":"failure","statuscode":998,"message":""},"data":[]}}';
const BODY_REVOKED = '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":[]}}';

const ALICE_SELF = '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"enabled":true,"id":"alice","firstLoginTimestamp":1700000000,"lastLoginTimestamp":1700000500,"lastLogin":1700000500000,"backend":"Database","subadmin":[],"quota":{"free":-3,"used":12345678,"total":-3,"relative":0,"quota":-3},"manager":"","avatarScope":"v2-federated","email":"alice@example.test","emailScope":"v2-federated","additional_mail":[],"additional_mailScope":[],"displayname":"Alice Example","display-name":"Alice Example","displaynameScope":"v2-federated","phone":"","phoneScope":"v2-local","address":"","addressScope":"v2-local","website":"","websiteScope":"v2-local","twitter":"","twitterScope":"v2-local","bluesky":"","blueskyScope":"v2-local","fediverse":"","fediverseScope":"v2-local","organisation":"","organisationScope":"v2-local","role":"","roleScope":"v2-local","headline":"","headlineScope":"v2-local","biography":"","biographyScope":"v2-local","profile_enabled":"1","profile_enabledScope":"v2-local","pronouns":"","pronounsScope":"v2-federated","groups":[],"language":"en","locale":"","timezone":"UTC","notify_email":null,"backendCapabilities":{"setDisplayName":true,"setPassword":true}}}}';
const BOB_SELF = '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"enabled":true,"id":"Bob Smith","firstLoginTimestamp":1700000000,"lastLoginTimestamp":1700000500,"lastLogin":1700000500000,"backend":"Database","subadmin":[],"quota":{"free":-3,"used":12345678,"total":-3,"relative":0,"quota":-3},"manager":"","avatarScope":"v2-federated","email":"bob@example.test","emailScope":"v2-federated","additional_mail":[],"additional_mailScope":[],"displayname":"Bob Smith","display-name":"Bob Smith","displaynameScope":"v2-federated","phone":"","phoneScope":"v2-local","address":"","addressScope":"v2-local","website":"","websiteScope":"v2-local","twitter":"","twitterScope":"v2-local","bluesky":"","blueskyScope":"v2-local","fediverse":"","fediverseScope":"v2-local","organisation":"","organisationScope":"v2-local","role":"","roleScope":"v2-local","headline":"","headlineScope":"v2-local","biography":"","biographyScope":"v2-local","profile_enabled":"1","profile_enabledScope":"v2-local","pronouns":"","pronounsScope":"v2-federated","groups":[],"language":"en","locale":"","timezone":"UTC","notify_email":null,"backendCapabilities":{"setDisplayName":true,"setPassword":true}}}}';
const ALICE_ADMIN_VIEW = '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"enabled":true,"storageLocation":"\\/srv\\/data\\/alice","id":"alice","firstLoginTimestamp":1700000000,"lastLoginTimestamp":1700000500,"lastLogin":1700000500000,"backend":"Database","subadmin":[],"quota":{"free":-3,"used":12345678,"total":-3,"relative":0,"quota":-3},"manager":"","email":"alice@example.test","additional_mail":[],"displayname":"Alice Example","display-name":"Alice Example","phone":"","address":"","website":"","twitter":"","bluesky":"","fediverse":"","organisation":"","role":"","headline":"","biography":"","profile_enabled":"1","pronouns":"","groups":["staff"],"language":"en","locale":"","timezone":"UTC","notify_email":null,"backendCapabilities":{"setDisplayName":true,"setPassword":true}}}}';

interface Fixture {
  nc: NextcloudEmulator;
  clientId: string;
  clientSecret: string;
}

interface Reply {
  status: number;
  text: string;
  headers: Headers;
}

interface TokenPair {
  access_token: string;
  refresh_token: string;
  user_id: string;
}

async function withNextcloud(run: (fixture: Fixture) => Promise<void>, options: Parameters<typeof NextcloudEmulator.start>[0] = {}): Promise<void> {
  const nc = await NextcloudEmulator.start({ dataDirectory: '/srv/data', ...options });
  try {
    nc.addUser({ id: 'admin', password: 'admin-password', groups: ['admin'] });
    nc.addUser({ id: 'alice', password: 'alice-password', displayName: 'Alice Example', email: 'alice@example.test', storageUsedBytes: 12345678 });
    nc.addUser({ id: 'Bob Smith', password: 'bob-password', email: 'bob@example.test', storageUsedBytes: 12345678 });
    const { clientId, clientSecret } = nc.addClient({ name: 'Synapse', redirectUri: CALLBACK });
    await run({ nc, clientId, clientSecret });
  } finally {
    await nc.stop();
  }
}

function authorizeUrl(nc: NextcloudEmulator, clientId: string, state: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ client_id: clientId, response_type: 'code', state, redirect_uri: CALLBACK, ...extra });
  return `${nc.baseUrl}/index.php/apps/oauth2/authorize?${query}`;
}

/** Runs the browser flow for one user and returns the callback URL's parameters. */
async function signIn(fixture: Fixture, user: string, password: string, state = 'st-1', browser = new SsoBrowser()): Promise<{ code: string; state: string; callbackUrl: string; browser: SsoBrowser }> {
  const result = await signInThroughNextcloud(browser, authorizeUrl(fixture.nc, fixture.clientId, state), { user, password }, { stopAtOrigin: CALLBACK_ORIGIN });
  assert.equal(result.status, 303, `sign-in for ${user} ended on ${result.finalUrl} with status ${result.status}`);
  const callback = new URL(result.finalUrl);
  return { code: callback.searchParams.get('code') ?? '', state: callback.searchParams.get('state') ?? '', callbackUrl: result.finalUrl, browser };
}

async function postToken(nc: NextcloudEmulator, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(`${nc.baseUrl}/index.php/apps/oauth2/api/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function redeem(fixture: Fixture, code: string): Promise<TokenPair> {
  const reply = await postToken(fixture.nc, { grant_type: 'authorization_code', code, client_id: fixture.clientId, client_secret: fixture.clientSecret });
  assert.equal(reply.status, 200, reply.text);
  return JSON.parse(reply.text) as TokenPair;
}

async function refresh(fixture: Fixture, refreshToken: string): Promise<Reply> {
  return postToken(fixture.nc, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: fixture.clientId, client_secret: fixture.clientSecret });
}

async function request(nc: NextcloudEmulator, path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const response = await fetch(`${nc.baseUrl}${path}`, { method: init.method ?? 'GET', headers: init.headers ?? {}, redirect: 'manual' });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'ocs-apirequest': 'true' };
}

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** Replaces login timestamps by the placeholders of the recorded examples, after checking their relation. */
function normaliseTimestamps(body: string): string {
  const seconds = /"lastLoginTimestamp":(\d+)/.exec(body)?.[1];
  const millis = /"lastLogin":(\d+)/.exec(body)?.[1];
  assert.equal(millis, `${seconds}000`, 'lastLogin must be lastLoginTimestamp in milliseconds');
  return body
    .replace(/"firstLoginTimestamp":\d+/, '"firstLoginTimestamp":1700000000')
    .replace(/"lastLoginTimestamp":\d+/, '"lastLoginTimestamp":1700000500')
    .replace(/"lastLogin":\d+/, '"lastLogin":1700000500000');
}

describe('authorize endpoint', () => {
  it('answers unknown client with 200 page', () => withNextcloud(async ({ nc }) => {
    const reply = await request(nc, `/index.php/apps/oauth2/authorize?client_id=nope&response_type=code&state=s`);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('location'), null);
    assert.match(reply.text, /Your client is not authorized to connect\. Please inform the administrator of your client\./);
    assert.match(reply.headers.get('content-security-policy') ?? '', /form-action 'self'$/);
  }));

  it('redirects unsupported response_type with ?', () => withNextcloud(async ({ nc }) => {
    const { clientId } = nc.addClient({ name: 'Query', redirectUri: 'http://127.0.0.1:9/cb?x=1' });
    const reply = await request(nc, `/index.php/apps/oauth2/authorize?client_id=${clientId}&response_type=token&state=s%202`);
    assert.equal(reply.status, 303);
    // This path always appends with `?`, so a registered query comes out malformed.
    assert.equal(reply.headers.get('location'), 'http://127.0.0.1:9/cb?x=1?error=unsupported_response_type&state=s+2');
  }));

  it('redirects to the picker on both paths', () => withNextcloud(async ({ nc, clientId }) => {
    for (const prefix of ['/index.php', '']) {
      const reply = await request(nc, `${prefix}/apps/oauth2/authorize?client_id=${clientId}&response_type=code&state=s&redirect_uri=http%3A%2F%2Fevil.example%2Fcb&scope=openid&nonce=n`);
      assert.equal(reply.status, 303);
      assert.equal(reply.text, '');
      assert.equal(reply.headers.get('content-type'), 'text/html; charset=UTF-8');
      assert.equal(reply.headers.get('location'), `${nc.baseUrl}/index.php/login/flow?clientIdentifier=${clientId}&providedRedirectUri=`);
      assert.match(reply.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    }
  }));

  it('skips the picker for listed client names', () => withNextcloud(async ({ nc, clientId }) => {
    nc.skipAuthPickerApplications = ['Synapse'];
    const reply = await request(nc, `/index.php/apps/oauth2/authorize?client_id=${clientId}&response_type=code&state=s`);
    assert.match(reply.headers.get('location') ?? '', new RegExp(`^${nc.baseUrl}/index\\.php/login/flow/grant\\?stateToken=[A-Za-z0-9]{64}&clientIdentifier=${clientId}&providedRedirectUri=$`));
  }));

  it('serves no discovery document', () => withNextcloud(async ({ nc }) => {
    const reply = await request(nc, '/index.php/.well-known/openid-configuration');
    assert.equal(reply.status, 404);
    assert.equal(reply.text, '{"message":"openid-configuration not supported"}');
    assert.equal(reply.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(reply.headers.get('x-nextcloud-well-known'), '1');
  }));
});

describe('login flow', () => {
  it('returns state and a 128-char code', () => withNextcloud(async (fixture) => {
    const { code, callbackUrl } = await signIn(fixture, 'alice', 'alice-password', 'a b~/ä');
    assert.match(code, /^[A-Za-z0-9]{128}$/);
    assert.equal(callbackUrl, `${CALLBACK}?state=a+b%7E%2F%C3%A4&code=${code}`);
    assert.equal(fixture.nc.appPasswordCount('alice'), 1);
    assert.equal(fixture.nc.appPasswords('alice')[0]?.name, 'Synapse');
  }));

  it('appends with & to a registered query', () => withNextcloud(async (fixture) => {
    const { clientId, clientSecret } = fixture.nc.addClient({ name: 'Query', redirectUri: `${CALLBACK}?provider=nc` });
    const result = await signIn({ ...fixture, clientId, clientSecret }, 'alice', 'alice-password', 'st');
    assert.match(result.callbackUrl, new RegExp(`^${CALLBACK.replace(/[.?]/g, '\\$&')}\\?provider=nc&state=st&code=[A-Za-z0-9]{128}$`));
  }));

  it('sets form-action CSP on flow pages', () => withNextcloud(async ({ nc, clientId }) => {
    const browser = new SsoBrowser();
    const picker = await abandonSignIn(browser, authorizeUrl(nc, clientId, 's'), 'picker');
    assert.equal(picker.stoppedAt, 'picker');
    const pickerReply = await browser.get(picker.finalUrl);
    assert.match(pickerReply.headers.get('content-security-policy') ?? '', new RegExp(`frame-ancestors 'self';form-action 'self' ${CALLBACK.replace(/[.?]/g, '\\$&')}$`));

    const login = await browser.get(`${nc.baseUrl}/index.php/login`);
    assert.match(login.headers.get('content-security-policy') ?? '', /form-action 'self'$/);
    assert.match(login.body, /data-requesttoken="[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}="/);
  }));

  it('binds state to the session at consent', () => withNextcloud(async ({ nc, clientId }) => {
    const browser = new SsoBrowser();
    const grant = await abandonSignIn(browser, authorizeUrl(nc, clientId, 'first'), 'grant', { user: 'alice', password: 'alice-password' }, { stopAtOrigin: CALLBACK_ORIGIN });
    assert.equal(grant.stoppedAt, 'grant');
    // A second authorize in the same browser overwrites the stored state.
    const second = await browser.get(authorizeUrl(nc, clientId, 'second'));
    assert.equal(second.status, 303);

    const grantState = readInitialState(grant.body, 'core', 'loginFlowGrant') as { stateToken: string; clientIdentifier: string };
    const consent = await browser.postForm(`${nc.baseUrl}/index.php/login/flow`, {
      stateToken: grantState.stateToken,
      clientIdentifier: grantState.clientIdentifier,
      providedRedirectUri: '',
      requesttoken: readRequestToken(grant.body) ?? '',
    }, nc.baseUrl);
    assert.equal(consent.status, 303);
    assert.match(consent.headers.get('location') ?? '', /\?state=second&code=/);
    assert.equal(consent.headers.get('x-user-id'), 'alice');
  }));

  it('rejects a replaced state token', () => withNextcloud(async ({ nc, clientId }) => {
    const browser = new SsoBrowser();
    const grant = await abandonSignIn(browser, authorizeUrl(nc, clientId, 's'), 'grant', { user: 'alice', password: 'alice-password' });
    // Opening the picker again stores a new flow state token in the session.
    await abandonSignIn(browser, authorizeUrl(nc, clientId, 's'), 'picker');
    const stale = await browser.get(grant.finalUrl);
    assert.equal(stale.status, 403);
    assert.match(stale.body, /State token does not match/);
  }));

  it('leaves no app password when abandoned', () => withNextcloud(async ({ nc, clientId }) => {
    const result = await abandonSignIn(new SsoBrowser(), authorizeUrl(nc, clientId, 's'), 'grant', { user: 'alice', password: 'alice-password' });
    assert.equal(result.stoppedAt, 'grant');
    assert.equal(nc.appPasswordCount('alice'), 0);
    assert.ok(!nc.requests.some((entry) => entry.path.includes('/api/v1/token')));
  }));

  it('refuses login without Origin', () => withNextcloud(async ({ nc }) => {
    const browser = new SsoBrowser();
    const page = await browser.get(`${nc.baseUrl}/index.php/login`);
    const response = await fetch(`${nc.baseUrl}/index.php/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: await browser.cookieJar.getCookieString(nc.baseUrl) },
      body: new URLSearchParams({ user: 'alice', password: 'alice-password', requesttoken: readRequestToken(page.body) ?? '' }).toString(),
    });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/index.php/login?user=alice&direct=1');
    const retry = await browser.get(`${nc.baseUrl}/index.php/login?user=alice&direct=1`);
    assert.deepEqual(readInitialState(retry.body, 'core', 'loginErrors'), ['invalidOrigin']);
  }));

  it('reports invalidpassword with relative Location', () => withNextcloud(async ({ nc, clientId }) => {
    const result = await signInThroughNextcloud(new SsoBrowser(), authorizeUrl(nc, clientId, 's'), { user: 'alice', password: 'wrong' });
    assert.equal(result.stoppedAt, 'login');
    assert.deepEqual(readInitialState(result.body, 'core', 'loginErrors'), ['invalidpassword']);
    const failed = nc.requests.findIndex((entry) => entry.method === 'POST' && entry.path === '/index.php/login');
    assert.ok(failed >= 0);
    assert.match(nc.requests[failed + 1]?.path ?? '', /^\/index\.php\/login\?user=alice&direct=1&redirect_url=\/index\.php\/login\/flow\/grant\?stateToken%3D/);
  }));

  it('maps e-mail and case logins to the uid', () => withNextcloud(async (fixture) => {
    for (const login of ['ALICE', 'alice@example.test']) {
      const { code } = await signIn(fixture, login, 'alice-password');
      const tokens = await redeem(fixture, code);
      assert.equal(tokens.user_id, 'alice', `login name ${login}`);
    }
  }));
});

describe('token endpoint', () => {
  it('returns exactly five keys in order', () => withNextcloud(async (fixture) => {
    const { code } = await signIn(fixture, 'Bob Smith', 'bob-password');
    const reply = await postToken(fixture.nc, { grant_type: 'authorization_code', code, client_id: fixture.clientId, client_secret: fixture.clientSecret, redirect_uri: 'http://evil.example/cb' });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.match(reply.text, /^\{"access_token":"[A-Za-z0-9]{72}","token_type":"Bearer","expires_in":3600,"refresh_token":"[A-Za-z0-9]{128}","user_id":"Bob Smith"\}$/);
    assert.equal(Buffer.byteLength(reply.text), 300);
  }));

  it('runs checks in the recorded order', () => withNextcloud(async (fixture) => {
    const { nc, clientId, clientSecret } = fixture;
    const { code } = await signIn(fixture, 'alice', 'alice-password');

    const badGrant = await postToken(nc, { grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' });
    assert.equal(badGrant.status, 400);
    assert.equal(badGrant.text, '{"error":"invalid_grant"}');
    assert.equal(badGrant.headers.get('content-type'), 'application/json; charset=utf-8');

    // An unknown code is reported before the client credentials are looked at.
    const unknownCode = await postToken(nc, { grant_type: 'authorization_code', code: 'x'.repeat(128), client_id: 'x', client_secret: 'y' });
    assert.equal(unknownCode.status, 400);
    assert.equal(unknownCode.text, '{"error":"invalid_request"}');

    const wrongSecret = await postToken(nc, { grant_type: 'authorization_code', code }, basic(clientId, 'wrong'));
    assert.equal(wrongSecret.status, 400);
    assert.equal(wrongSecret.text, '{"error":"invalid_client"}');
    assert.equal(wrongSecret.headers.get('www-authenticate'), null);

    // Basic credentials replace the body values.
    const basicWins = await postToken(nc, { grant_type: 'authorization_code', code, client_id: clientId, client_secret: clientSecret }, basic(clientId, 'wrong'));
    assert.equal(basicWins.text, '{"error":"invalid_client"}');

    // The failed attempts did not use the code up.
    const success = await postToken(nc, { grant_type: 'authorization_code', code, client_id: 'ignored', client_secret: 'ignored' }, basic(clientId, clientSecret));
    assert.equal(success.status, 200, success.text);

    const reused = await postToken(nc, { grant_type: 'authorization_code', code, client_id: clientId, client_secret: clientSecret });
    assert.equal(reused.status, 400);
    assert.equal(reused.text, '{"error":"invalid_request"}');
  }));

  it('rejects an expired code', () => withNextcloud(async (fixture) => {
    const { code } = await signIn(fixture, 'alice', 'alice-password');
    fixture.nc.expireCode(code);
    const reply = await postToken(fixture.nc, { grant_type: 'authorization_code', code, client_id: fixture.clientId, client_secret: fixture.clientSecret });
    assert.equal(reply.status, 400);
    assert.equal(reply.text, '{"error":"invalid_request"}');
  }));

  it('expires codes after 600 seconds', () => withNextcloud(async (fixture) => {
    const { code } = await signIn(fixture, 'alice', 'alice-password');
    fixture.nc.advanceClock(601);
    const reply = await postToken(fixture.nc, { grant_type: 'authorization_code', code, client_id: fixture.clientId, client_secret: fixture.clientSecret });
    assert.equal(reply.text, '{"error":"invalid_request"}');
  }));

  it('rotates both tokens on refresh', () => withNextcloud(async (fixture) => {
    const { nc } = fixture;
    const first = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    const idBefore = nc.appPasswords('alice')[0]?.id;

    const reply = await refresh(fixture, first.refresh_token);
    assert.equal(reply.status, 200);
    const second = JSON.parse(reply.text) as TokenPair;
    assert.notEqual(second.access_token, first.access_token);
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.equal(nc.appPasswordCount('alice'), 1);
    assert.equal(nc.appPasswords('alice')[0]?.id, idBefore);

    const oldAccess = await request(nc, '/ocs/v2.php/cloud/user?format=json', { headers: bearer(first.access_token) });
    assert.equal(oldAccess.status, 401);
    assert.equal(oldAccess.text, BODY_997);
    const oldRefresh = await refresh(fixture, first.refresh_token);
    assert.equal(oldRefresh.text, '{"error":"invalid_request"}');
    const newAccess = await request(nc, '/ocs/v2.php/cloud/user?format=json', { headers: bearer(second.access_token) });
    assert.equal(newAccess.status, 200);
  }));

  it('lets one of two parallel refreshes win', () => withNextcloud(async (fixture) => {
    const tokens = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    const replies = await Promise.all([refresh(fixture, tokens.refresh_token), refresh(fixture, tokens.refresh_token)]);
    const statuses = replies.map((reply) => reply.status).sort();
    assert.deepEqual(statuses, [200, 400]);
    assert.equal(replies.find((reply) => reply.status === 400)?.text, '{"error":"invalid_request"}');
  }));

  it('refreshes an expired access token', () => withNextcloud(async (fixture) => {
    const tokens = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    fixture.nc.expireAccessToken(tokens.access_token);
    const expired = await request(fixture.nc, '/ocs/v2.php/cloud/user?format=json', { headers: bearer(tokens.access_token) });
    assert.equal(expired.text, BODY_997);
    const reply = await refresh(fixture, tokens.refresh_token);
    assert.equal(reply.status, 200);
  }));

  it('invalidates grants of a deleted client', () => withNextcloud(async (fixture) => {
    const tokens = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    fixture.nc.deleteClient(fixture.clientId);
    assert.equal(fixture.nc.appPasswordCount('alice'), 0);
    const reply = await refresh(fixture, tokens.refresh_token);
    assert.equal(reply.text, '{"error":"invalid_request"}');
  }));
});

describe('PKCE', () => {
  it('ignores a challenge in 34.0.1 mode', () => withNextcloud(async (fixture) => {
    const browser = new SsoBrowser();
    const url = authorizeUrl(fixture.nc, fixture.clientId, 's', { code_challenge: 'plain-challenge', code_challenge_method: 'plain' });
    const result = await signInThroughNextcloud(browser, url, { user: 'alice', password: 'alice-password' }, { stopAtOrigin: CALLBACK_ORIGIN });
    const code = new URL(result.finalUrl).searchParams.get('code') ?? '';
    await redeem(fixture, code);
  }));

  it('checks the verifier in enforced mode', () => withNextcloud(async (fixture) => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');

    const plain = await request(fixture.nc, `/index.php/apps/oauth2/authorize?client_id=${fixture.clientId}&response_type=code&state=s&code_challenge=${challenge}`);
    assert.equal(plain.headers.get('location'), `${CALLBACK}?error=invalid_request&error_description=Transform+algorithm+not+supported&state=s`);

    const url = authorizeUrl(fixture.nc, fixture.clientId, 's', { code_challenge: challenge, code_challenge_method: 'S256' });
    const result = await signInThroughNextcloud(new SsoBrowser(), url, { user: 'alice', password: 'alice-password' }, { stopAtOrigin: CALLBACK_ORIGIN });
    const code = new URL(result.finalUrl).searchParams.get('code') ?? '';
    const base = { grant_type: 'authorization_code', code, client_id: fixture.clientId, client_secret: fixture.clientSecret };
    assert.equal((await postToken(fixture.nc, base)).text, '{"error":"invalid_request"}');
    assert.equal((await postToken(fixture.nc, { ...base, code_verifier: 'A'.repeat(43) })).text, '{"error":"invalid_grant"}');
    assert.equal((await postToken(fixture.nc, { ...base, code_verifier: verifier })).status, 200);
  }, { pkce: 'enforced' }));
});

describe('OCS user endpoint', () => {
  it('matches the recorded bodies byte for byte', () => withNextcloud(async (fixture) => {
    for (const [user, password, expected, length] of [
      ['alice', 'alice-password', ALICE_SELF, 1182],
      ['Bob Smith', 'bob-password', BOB_SELF, 1176],
    ] as const) {
      const tokens = await redeem(fixture, (await signIn(fixture, user, password)).code);
      const reply = await request(fixture.nc, '/ocs/v2.php/cloud/user?format=json', { headers: bearer(tokens.access_token) });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(reply.headers.get('x-user-id'), user);
      assert.equal(normaliseTimestamps(reply.text), expected);
      assert.equal(Buffer.byteLength(reply.text), length);
    }
  }));

  it('writes null for a missing e-mail', () => withNextcloud(async (fixture) => {
    fixture.nc.addUser({ id: 'carol', password: 'carol-password', displayName: 'Carol Throwaway' });
    const tokens = await redeem(fixture, (await signIn(fixture, 'carol', 'carol-password')).code);
    const reply = await request(fixture.nc, '/ocs/v2.php/cloud/user?format=json', { headers: bearer(tokens.access_token) });
    assert.match(reply.text, /"avatarScope":"v2-federated","email":null,"emailScope":/);
    assert.match(reply.text, /"quota":\{"free":-3,"used":0,"total":-3,"relative":0,"quota":-3\}/);
    fixture.nc.setQuotaArray('carol');
    const arrayQuota = await request(fixture.nc, '/ocs/v2.php/cloud/user?format=json', { headers: bearer(tokens.access_token) });
    assert.match(arrayQuota.text, /"quota":\[\],"manager"/);
  }));

  it('negotiates JSON and XML', () => withNextcloud(async (fixture) => {
    const tokens = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    const byFormat = await request(fixture.nc, '/ocs/v2.php/cloud/user?format=json', { headers: auth });
    const byAccept = await request(fixture.nc, '/ocs/v2.php/cloud/user', { headers: { ...auth, accept: 'application/json' } });
    assert.equal(normaliseTimestamps(byAccept.text), normaliseTimestamps(byFormat.text));

    for (const accept of [undefined, 'application/json; charset=utf-8', 'application/xml, application/json', '*/*']) {
      const reply = await request(fixture.nc, '/ocs/v2.php/cloud/user', { headers: accept === undefined ? auth : { ...auth, accept } });
      assert.equal(reply.headers.get('content-type'), 'application/xml; charset=utf-8', `Accept: ${accept}`);
      assert.match(reply.text, /^<\?xml version="1.0"\?>\n<ocs>\n <meta>\n  <status>ok<\/status>/);
      assert.match(reply.text, /\n  <id>alice<\/id>\n/);
    }
  }));

  it('answers 401/997 for bad or missing tokens', () => withNextcloud(async ({ nc }) => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${'x'.repeat(72)}` }, { authorization: 'bearer lowercase-prefix' }];
    for (const headers of attempts) {
      const reply = await request(nc, '/ocs/v2.php/cloud/user?format=json', { headers });
      assert.equal(reply.status, 401);
      assert.equal(reply.text, BODY_997);
      assert.equal(Buffer.byteLength(reply.text), 106);
      assert.equal(reply.headers.get('www-authenticate'), null);
    }
    const v1 = await request(nc, '/ocs/v1.php/cloud/user?format=json');
    assert.equal(v1.status, 401);
    assert.equal(v1.text, '{"ocs":{"meta":{"status":"failure","statuscode":997,"message":"Current user is not logged in","totalitems":"","itemsperpage":""},"data":[]}}');
  }));

  it('uses statuscode 100 on v1', () => withNextcloud(async (fixture) => {
    const tokens = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    const reply = await request(fixture.nc, '/ocs/v1.php/cloud/user?format=json', { headers: bearer(tokens.access_token) });
    assert.equal(reply.status, 200);
    assert.match(reply.text, /^\{"ocs":\{"meta":\{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""\},"data":\{"enabled":true,"id":"alice",/);
  }));

  it('fails the strict-cookie check with cookies', () => withNextcloud(async (fixture) => {
    const { browser } = await signIn(fixture, 'alice', 'alice-password');
    const sessionCookies = (await browser.cookieJar.getCookies(fixture.nc.baseUrl)).filter((cookie) => !cookie.key.startsWith('nc_sameSite'));
    const reply = await request(fixture.nc, '/ocs/v2.php/cloud/user?format=json', {
      headers: { cookie: sessionCookies.map((cookie) => cookie.cookieString()).join('; ') },
    });
    assert.equal(reply.status, 412);
    assert.equal(reply.text, '{"error":"Strict Cookie has not been found in request"}');
  }));
});

describe('app password revocation', () => {
  it('revokes exactly the grant behind the token', () => withNextcloud(async (fixture) => {
    const { nc } = fixture;
    const untouched = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    const revoked = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    assert.equal(nc.appPasswordCount('alice'), 2);

    const reply = await request(nc, '/ocs/v2.php/core/apppassword?format=json', { method: 'DELETE', headers: { authorization: `Bearer ${revoked.access_token}` } });
    assert.equal(reply.status, 200);
    assert.equal(reply.text, BODY_REVOKED);
    assert.equal(Buffer.byteLength(reply.text), 74);
    assert.equal(nc.appPasswordCount('alice'), 1);

    const afterOcs = await request(nc, '/ocs/v2.php/cloud/user?format=json', { headers: bearer(revoked.access_token) });
    assert.equal(afterOcs.status, 401);
    assert.equal(afterOcs.text, BODY_997);
    const again = await request(nc, '/ocs/v2.php/core/apppassword?format=json', { method: 'DELETE', headers: bearer(revoked.access_token) });
    assert.equal(again.status, 401);
    assert.equal((await refresh(fixture, revoked.refresh_token)).text, '{"error":"invalid_request"}');
    assert.equal((await refresh(fixture, untouched.refresh_token)).status, 200);
  }));

  it('answers the recorded variants', () => withNextcloud(async (fixture) => {
    const { nc } = fixture;
    const xml = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    const xmlReply = await request(nc, '/ocs/v2.php/core/apppassword', { method: 'DELETE', headers: bearer(xml.access_token) });
    assert.equal(xmlReply.status, 200);
    assert.equal(xmlReply.headers.get('content-type'), 'application/xml; charset=utf-8');
    assert.equal(xmlReply.text, '<?xml version="1.0"?>\n<ocs>\n <meta>\n  <status>ok</status>\n  <statuscode>200</statuscode>\n  <message>OK</message>\n </meta>\n <data/>\n</ocs>\n');
    assert.equal(Buffer.byteLength(xmlReply.text), 138);

    const v1 = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    const v1Reply = await request(nc, '/ocs/v1.php/core/apppassword?format=json', { method: 'DELETE', headers: { authorization: `Bearer ${v1.access_token}` } });
    assert.equal(v1Reply.text, '{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK","totalitems":"","itemsperpage":""},"data":[]}}');
    assert.equal(Buffer.byteLength(v1Reply.text), 108);

    const viaBasic = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    const csrfFailure = await request(nc, '/ocs/v2.php/core/apppassword?format=json', { method: 'DELETE', headers: basic('alice', viaBasic.access_token) });
    assert.equal(csrfFailure.status, 412);
    assert.equal(csrfFailure.text, '{"message":"CSRF check failed"}');
    assert.equal(nc.appPasswordCount('alice'), 1);
    const accepted = await request(nc, '/ocs/v2.php/core/apppassword?format=json', { method: 'DELETE', headers: { ...basic('alice', viaBasic.access_token), 'ocs-apirequest': 'true' } });
    assert.equal(accepted.text, BODY_REVOKED);
    assert.equal(nc.appPasswordCount('alice'), 0);
    assert.equal((await refresh(fixture, viaBasic.refresh_token)).text, '{"error":"invalid_request"}');

    const anonymous = await request(nc, '/ocs/v2.php/core/apppassword?format=json', { method: 'DELETE' });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.text, BODY_997);

    const byPassword = await request(nc, '/ocs/v2.php/core/apppassword?format=json', { method: 'DELETE', headers: { ...basic('alice', 'alice-password'), 'ocs-apirequest': 'true' } });
    assert.equal(byPassword.status, 403);
    assert.equal(byPassword.text, '{"ocs":{"meta":{"status":"failure","statuscode":403,"message":"no app password in use"},"data":[]}}');
  }));
});

describe('disabled and deleted users', () => {
  it('refuses OCS but keeps refresh for disabled', () => withNextcloud(async (fixture) => {
    const { nc } = fixture;
    const tokens = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);
    nc.disableUser('alice');

    const reply = await request(nc, '/ocs/v2.php/cloud/user?format=json', { headers: bearer(tokens.access_token) });
    assert.equal(reply.status, 401);
    assert.equal(reply.text, BODY_DISABLED);
    assert.equal(Buffer.byteLength(reply.text), 89);
    assert.equal(reply.headers.get('www-authenticate'), 'Basic realm="Authorisation Required"');

    const refreshed = await refresh(fixture, tokens.refresh_token);
    assert.equal(refreshed.status, 200);
    const renewed = JSON.parse(refreshed.text) as TokenPair;
    assert.equal((await request(nc, '/ocs/v2.php/cloud/user?format=json', { headers: bearer(renewed.access_token) })).text, BODY_DISABLED);
    assert.equal(nc.appPasswordCount('alice'), 1);

    nc.enableUser('alice');
    assert.equal((await request(nc, '/ocs/v2.php/cloud/user?format=json', { headers: bearer(renewed.access_token) })).status, 200);
  }));

  it('stops the browser flow for disabled', () => withNextcloud(async (fixture) => {
    const { nc, clientId } = fixture;
    const { browser } = await signIn(fixture, 'alice', 'alice-password');
    nc.disableUser('alice');

    const withSession = await browser.get(authorizeUrl(nc, clientId, 's'));
    assert.equal(withSession.status, 401);
    assert.equal(withSession.body, '{"message":"Account disabled"}');
    assert.equal(withSession.headers.get('content-type'), 'application/json; charset=utf-8');

    for (const password of ['alice-password', 'wrong']) {
      const fresh = await signInThroughNextcloud(new SsoBrowser(), authorizeUrl(nc, clientId, 'st-dis2'), { user: 'alice', password }, { stopAtOrigin: CALLBACK_ORIGIN });
      assert.equal(fresh.stoppedAt, 'login');
      assert.deepEqual(readInitialState(fresh.body, 'core', 'loginErrors'), ['userdisabled']);
      assert.equal(readInitialState(fresh.body, 'core', 'loginUsername'), 'alice');
    }
    const loginPost = nc.requests.findLastIndex((entry) => entry.method === 'POST' && entry.path === '/index.php/login');
    assert.match(nc.requests[loginPost + 1]?.path ?? '', /^\/index\.php\/login\?user=alice&direct=1&redirect_url=\/index\.php\/login\/flow\/grant\?stateToken%3D[A-Za-z0-9]{64}%26clientIdentifier%3D[A-Za-z0-9]{64}%26oauthState%3Dst-dis2%26user%3D%26direct%3D0%26providedRedirectUri%3D$/);
  }));

  it('removes tokens of deleted users', () => withNextcloud(async (fixture) => {
    const { nc } = fixture;
    nc.addUser({ id: 'carol', password: 'carol-password', displayName: 'Carol Throwaway' });
    const tokens = await redeem(fixture, (await signIn(fixture, 'carol', 'carol-password')).code);
    const adminPassword = nc.addAdminAppPassword('admin');
    nc.deleteUser('carol');

    const self = await request(nc, '/ocs/v2.php/cloud/user?format=json', { headers: bearer(tokens.access_token) });
    assert.equal(self.status, 401);
    assert.equal(self.text, BODY_997);
    assert.equal(self.headers.get('www-authenticate'), null);
    assert.equal((await refresh(fixture, tokens.refresh_token)).text, '{"error":"invalid_request"}');

    const adminView = await request(nc, '/ocs/v2.php/cloud/users/carol?format=json', { headers: bearer(adminPassword) });
    assert.equal(adminView.status, 404);
    assert.equal(adminView.text, BODY_USER_MISSING);
    const avatar = await request(nc, '/index.php/avatar/carol/64');
    assert.equal(avatar.status, 404);
    assert.equal(avatar.text, '[]');
  }));
});

describe('avatars', () => {
  it('serves a generated PNG publicly', () => withNextcloud(async ({ nc }) => {
    const response = await fetch(`${nc.baseUrl}/index.php/avatar/ALICE/32`);
    const image = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.equal(response.headers.get('x-nc-iscustomavatar'), '0');
    assert.equal(response.headers.get('cache-control'), 'private, max-age=86400, immutable');
    assert.equal(response.headers.get('content-disposition'), 'inline; filename="avatar.64.png"');
    assert.match(response.headers.get('etag') ?? '', /^"[0-9a-f]{32}"$/);
    assert.deepEqual([...image.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(image.readUInt32BE(16), 64);
    assert.equal(image[25], 2, 'colour type RGB without alpha');

    const large = await fetch(`${nc.baseUrl}/index.php/avatar/alice/100`);
    assert.equal(Buffer.from(await large.arrayBuffer()).readUInt32BE(16), 512);
    assert.equal((await request(nc, '/index.php/avatar/Bob%20Smith/64')).status, 200);
    assert.equal((await request(nc, '/index.php/avatar/Bob+Smith/64')).status, 404);
  }));

  it('answers 304 for a matching ETag', () => withNextcloud(async ({ nc }) => {
    const first = await request(nc, '/index.php/avatar/alice/64');
    const etag = first.headers.get('etag') ?? '';
    const cached = await request(nc, '/index.php/avatar/alice/64', { headers: { 'if-none-match': etag } });
    assert.equal(cached.status, 304);
    assert.equal(cached.text, '');
    assert.equal(cached.headers.get('etag'), etag);

    const dark = await request(nc, '/index.php/avatar/alice/64/dark');
    assert.notEqual(dark.headers.get('etag'), etag);
    assert.equal(dark.headers.get('content-disposition'), 'inline; filename="avatar-dark.64.png"');

    const upload = (await fetch(`${nc.baseUrl}/index.php/avatar/Bob%20Smith/64`)).arrayBuffer();
    nc.setAvatar('alice', Buffer.from(await upload));
    const changed = await request(nc, '/index.php/avatar/alice/64', { headers: { 'if-none-match': etag } });
    assert.equal(changed.status, 200);
    assert.equal(changed.headers.get('x-nc-iscustomavatar'), '1');
    assert.notEqual(changed.headers.get('etag'), etag);
  }));

  it('hides private pictures from others', () => withNextcloud(async (fixture) => {
    const { nc } = fixture;
    const picture = Buffer.from(await (await fetch(`${nc.baseUrl}/index.php/avatar/admin/64`)).arrayBuffer());
    nc.setAvatar('alice', picture);
    nc.setAvatarPrivate('alice', true);
    const tokens = await redeem(fixture, (await signIn(fixture, 'alice', 'alice-password')).code);

    const anonymous = await request(nc, '/index.php/avatar/alice/64');
    assert.equal(anonymous.headers.get('x-nc-iscustomavatar'), '0');
    assert.equal(anonymous.headers.get('content-disposition'), 'inline; filename="avatar-placeholder.64.png"');
    const own = await request(nc, '/index.php/avatar/alice/64', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(own.headers.get('x-nc-iscustomavatar'), '1');
    assert.equal(own.headers.get('x-user-id'), 'alice');
  }));

  it('serves guest images for disabled and fallback', () => withNextcloud(async ({ nc }) => {
    nc.disableUser('alice');
    const disabled = await request(nc, '/index.php/avatar/alice/64');
    assert.equal(disabled.status, 200);
    assert.equal(disabled.headers.get('etag'), null);
    assert.equal(disabled.headers.get('content-disposition'), 'inline; filename="avatar.png"');
    assert.equal(disabled.headers.get('x-nc-iscustomavatar'), '0');

    const unknown = await request(nc, '/index.php/avatar/nobody/64');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.text, '[]');
    assert.equal(unknown.headers.get('content-type'), 'application/json; charset=utf-8');
    const fallback = await request(nc, '/index.php/avatar/nobody/64?guestFallback=true');
    assert.equal(fallback.status, 201);
    assert.equal(fallback.headers.get('cache-control'), 'private, max-age=1800, immutable');
  }));
});

describe('provisioning API', () => {
  it('shows the admin view of a user', () => withNextcloud(async (fixture) => {
    const { nc } = fixture;
    nc.addGroup('staff', 'Staff Team');
    nc.addUserToGroup('alice', 'staff');
    await signIn(fixture, 'alice', 'alice-password');
    const adminPassword = nc.addAdminAppPassword('admin');

    const viaBearer = await request(nc, '/ocs/v2.php/cloud/users/alice?format=json', { headers: { authorization: `Bearer ${adminPassword}` } });
    assert.equal(viaBearer.status, 200);
    assert.equal(normaliseTimestamps(viaBearer.text), ALICE_ADMIN_VIEW);
    const viaBasic = await request(nc, '/ocs/v2.php/cloud/users/ALICE?format=json', { headers: { ...basic('admin', adminPassword), 'ocs-apirequest': 'true' } });
    assert.equal(normaliseTimestamps(viaBasic.text), ALICE_ADMIN_VIEW);
    const withoutHeader = await request(nc, '/ocs/v2.php/cloud/users/alice?format=json', { headers: basic('admin', adminPassword) });
    assert.equal(withoutHeader.status, 412);
    assert.equal(withoutHeader.text, '{"message":"CSRF check failed"}');

    nc.disableUser('alice');
    const disabled = await request(nc, '/ocs/v2.php/cloud/users/alice?format=json', { headers: bearer(adminPassword) });
    assert.match(disabled.text, /"data":\{"enabled":false,"storageLocation"/);
    assert.equal((await request(nc, '/ocs/v2.php/cloud/users/alice/groups?format=json', { headers: bearer(adminPassword) })).text,
      '{"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{"groups":["staff"]}}}');
  }));

  it('resolves percent-encoded uids', () => withNextcloud(async ({ nc }) => {
    const adminPassword = nc.addAdminAppPassword('admin');
    const lower = await request(nc, '/ocs/v2.php/cloud/users/bob%20smith?format=json', { headers: bearer(adminPassword) });
    assert.match(lower.text, /"id":"Bob Smith"/);
    const plus = await request(nc, '/ocs/v2.php/cloud/users/Bob+Smith?format=json', { headers: bearer(adminPassword) });
    assert.equal(plus.status, 404);
    assert.equal(plus.text, BODY_USER_MISSING);
    assert.equal(Buffer.byteLength(plus.text), 96);
    const v1 = await request(nc, '/ocs/v1.php/cloud/users/nosuchuser?format=json', { headers: bearer(adminPassword) });
    assert.equal(v1.status, 200);
    assert.equal(Buffer.byteLength(v1.text), 130);
  }));

  it('pages user lists like SQLite', () => withNextcloud(async ({ nc }) => {
    const adminPassword = nc.addAdminAppPassword('admin');
    const cases: Array<[string, string[]]> = [
      ['', ['admin', 'alice', 'Bob Smith']],
      ['&limit=1', ['admin']],
      ['&limit=1&offset=1', ['Bob Smith']],
      ['&limit=2&offset=2', ['alice']],
      ['&offset=5', []],
      ['&search=bob', ['Bob Smith']],
    ];
    for (const [query, expected] of cases) {
      const reply = await request(nc, `/ocs/v2.php/cloud/users?format=json${query}`, { headers: bearer(adminPassword) });
      const body = JSON.parse(reply.text) as { ocs: { data: { users: string[] } } };
      assert.deepEqual(body.ocs.data.users, expected, `query ${query}`);
    }
  }));

  it('reports non-admin and group errors', () => withNextcloud(async (fixture) => {
    const { nc } = fixture;
    nc.addGroup('staff', 'Staff Team');
    nc.addUserToGroup('alice', 'staff');
    const bob = await redeem(fixture, (await signIn(fixture, 'Bob Smith', 'bob-password')).code);
    const asBob = { headers: bearer(bob.access_token) };

    const other = await request(nc, '/ocs/v2.php/cloud/users/alice?format=json', asBob);
    assert.equal(other.status, 404);
    assert.equal(other.text, BODY_998);
    assert.equal((await request(nc, '/ocs/v2.php/cloud/users/alice/groups?format=json', asBob)).text, BODY_998);
    assert.equal((await request(nc, '/ocs/v2.php/cloud/users/nosuchuser?format=json', asBob)).text, BODY_USER_MISSING);

    const self = await request(nc, '/ocs/v2.php/cloud/users/Bob%20Smith?format=json', asBob);
    const selfCall = await request(nc, '/ocs/v2.php/cloud/user?format=json', asBob);
    assert.equal(normaliseTimestamps(self.text), normaliseTimestamps(selfCall.text));

    const notSubAdmin = '{"ocs":{"meta":{"status":"failure","statuscode":403,"message":"Logged in account must be at least a sub admin"},"data":[]}}';
    for (const path of ['/ocs/v2.php/cloud/users?format=json', '/ocs/v2.php/cloud/groups?format=json']) {
      const reply = await request(nc, path, asBob);
      assert.equal(reply.status, 403);
      assert.equal(reply.text, notSubAdmin);
      assert.equal(Buffer.byteLength(reply.text), 123);
    }
    const members = await request(nc, '/ocs/v2.php/cloud/groups/staff/users?format=json', asBob);
    assert.equal(members.status, 403);
    assert.equal(members.text, '{"ocs":{"meta":{"status":"failure","statuscode":403,"message":""},"data":[]}}');

    const adminPassword = nc.addAdminAppPassword('admin');
    const unknownGroup = await request(nc, '/ocs/v2.php/cloud/groups/nogroup/users?format=json', { headers: bearer(adminPassword) });
    assert.equal(unknownGroup.status, 404);
    assert.equal(Buffer.byteLength(unknownGroup.text), 115);
    const staff = await request(nc, '/ocs/v2.php/cloud/groups/staff/users?format=json', { headers: bearer(adminPassword) });
    assert.match(staff.text, /"data":\{"users":\["alice"\]\}/);
    const details = await request(nc, '/ocs/v2.php/cloud/groups/details?format=json', { headers: bearer(adminPassword) });
    assert.match(details.text, /\{"id":"staff","displayname":"Staff Team","usercount":1,"disabled":0,"canAdd":true,"canRemove":true\}/);
  }));
});

/**
 * Starts a minimal relying party: /start sends the browser to Nextcloud with a state cookie,
 * /callback checks the state, redeems the code with client_secret_post, reads the identity,
 * revokes the grant and redirects to the redirectUrl with a login token.
 */
async function startRelyingParty(nc: NextcloudEmulator): Promise<{ server: Server; origin: string; identities: string[] }> {
  const identities: string[] = [];
  const pending = new Map<string, string>();
  let client: { clientId: string; clientSecret: string } | undefined;
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/_matrix/client/v3/login/sso/redirect' && client !== undefined) {
        const state = randomBytes(16).toString('hex');
        pending.set(state, url.searchParams.get('redirectUrl') ?? '');
        const target = `${nc.baseUrl}/index.php/apps/oauth2/authorize?${new URLSearchParams({ client_id: client.clientId, response_type: 'code', state })}`;
        res.writeHead(302, { location: target, 'set-cookie': `rp_state=${state}; Path=/; HttpOnly; SameSite=Lax` }).end();
        return;
      }
      if (url.pathname === '/callback' && client !== undefined) {
        const state = url.searchParams.get('state') ?? '';
        const cookieState = /rp_state=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
        const redirectUrl = pending.get(state);
        if (cookieState !== state || redirectUrl === undefined) {
          res.writeHead(400).end('state mismatch');
          return;
        }
        const tokenReply = await fetch(`${nc.baseUrl}/index.php/apps/oauth2/api/v1/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code: url.searchParams.get('code') ?? '', client_id: client.clientId, client_secret: client.clientSecret }),
        });
        const tokens = (await tokenReply.json()) as TokenPair;
        const ocs = { authorization: `Bearer ${tokens.access_token}`, 'ocs-apirequest': 'true' };
        const identity = (await (await fetch(`${nc.baseUrl}/ocs/v2.php/cloud/user?format=json`, { headers: ocs })).json()) as { ocs: { data: { id: string } } };
        identities.push(identity.ocs.data.id);
        await fetch(`${nc.baseUrl}/ocs/v2.php/core/apppassword?format=json`, { method: 'DELETE', headers: ocs });
        res.writeHead(302, { location: `${redirectUrl}?loginToken=${randomBytes(8).toString('hex')}` }).end();
        return;
      }
      res.writeHead(404).end();
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = nc.addClient({ name: 'Lattice', redirectUri: `${origin}/callback` });
  return { server, origin, identities };
}

describe('scripted sign-in', () => {
  it('completes through a relying party', () => withNextcloud(async ({ nc }) => {
    const rp = await startRelyingParty(nc);
    try {
      const redirectUrl = 'http://127.0.0.1:1/app/';
      const start = `${rp.origin}/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(redirectUrl)}`;
      const result = await signInThroughNextcloud(new SsoBrowser(), start, { user: 'Bob Smith', password: 'bob-password' }, { stopAtOrigin: 'http://127.0.0.1:1' });

      assert.match(result.finalUrl, /^http:\/\/127\.0\.0\.1:1\/app\/\?loginToken=[0-9a-f]{16}$/);
      assert.deepEqual(rp.identities, ['Bob Smith']);
      assert.equal(nc.appPasswordCount('Bob Smith'), 0, 'the relying party revoked its grant');

      const tokenRequest = nc.requests.find((entry) => entry.path === '/index.php/apps/oauth2/api/v1/token');
      assert.ok(tokenRequest);
      assert.equal(tokenRequest.headers['authorization'], undefined);
      assert.match(tokenRequest.body, /client_secret=/);
      assert.equal(tokenRequest.headers['cookie'], undefined);
      const bearerPaths = nc.requests.filter((entry) => entry.headers['authorization']?.toString().startsWith('Bearer ')).map((entry) => entry.path);
      assert.deepEqual(bearerPaths, ['/ocs/v2.php/cloud/user?format=json', '/ocs/v2.php/core/apppassword?format=json']);
    } finally {
      await new Promise<void>((resolve) => rp.server.close(() => resolve()));
    }
  }));
});
