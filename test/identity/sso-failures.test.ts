import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import type { TestServer } from '../support/server.js';
import { abandonSignIn, SsoBrowser, type BrowserResponse } from '../support/sso-browser.js';
import {
  CALLBACK_PATH, logEventCount, loginTokenCount, loginTokenOf, RewritingProxy, signIn, signInUntilCallback, startSsoServer, startUrl, userRows,
  waitForLogEvent,
} from './sso-support.js';

const DAVE: NewUser = { id: 'dave', password: 'dave-password-1', displayName: 'Dave' };

function decodeEntities(html: string): string {
  return html.replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

interface ExpectedFailure {
  status: number;
  text: string;
  reason: string;
  tokensBefore: number;
  failuresBefore: number;
  /** False when the state cookie, which names the provider, could not be read. */
  providerKnown?: boolean;
}

/** Checks an error page, that nothing was created for the user, and the logged reason. */
async function assertFailurePage(server: TestServer, response: BrowserResponse, expected: ExpectedFailure): Promise<void> {
  assert.equal(response.status, expected.status);
  assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.ok(decodeEntities(response.body).includes(expected.text), `page text:\n${response.body}`);
  assert.match(response.headers.getSetCookie()[0] ?? '', /^lattice_sso_state=; .*Max-Age=0/, 'state cookie cleared');

  assert.equal((await userRows(server)).some((user) => user.localpart.startsWith('dave')), false, 'no user created');
  assert.equal(await loginTokenCount(server), expected.tokensBefore, 'no login token minted');

  const failure = await waitForLogEvent(server, 'sign-in failed', expected.failuresBefore);
  assert.equal(failure.reason, expected.reason);
  assert.equal(failure.provider, expected.providerKnown === false ? undefined : 'nextcloud');
  assert.equal(typeof failure.requestId, 'string');
  assert.equal(typeof failure.detail, 'string');
}

/** Returns the `state` the server sent to the emulator's authorize endpoint most recently. */
function lastAuthorizeState(emulator: NextcloudEmulator): string {
  const authorize = emulator.requests.filter((request) => request.path.startsWith('/index.php/apps/oauth2/authorize')).at(-1);
  const state = authorize && new URL(authorize.path, emulator.baseUrl).searchParams.get('state');
  if (!state) throw new Error('no authorize request recorded');
  return state;
}

describe('SSO failures', () => {
  let emulator: NextcloudEmulator;
  let server: TestServer;

  before(async () => {
    emulator = await NextcloudEmulator.start();
    emulator.addUser(DAVE);
    server = await startSsoServer({ providers: [{ id: 'nextcloud', emulator }] });
  });

  after(async () => {
    await server.dispose();
    await emulator.stop();
  });

  it('reports a cancelled sign-in', async () => {
    const browser = new SsoBrowser();
    await abandonSignIn(browser, startUrl(server), 'picker');
    const tokensBefore = await loginTokenCount(server);
    const failuresBefore = logEventCount(server, 'sign-in failed');
    const callback = `${server.baseUrl}${CALLBACK_PATH}?error=access_denied&state=${encodeURIComponent(lastAuthorizeState(emulator))}`;
    const response = await browser.get(callback);
    await assertFailurePage(server, response, {
      status: 400, text: 'Sign-in was cancelled in Nextcloud. Go back to your chat app and try signing in again.', reason: 'provider_denied', tokensBefore, failuresBefore,
    });
  });

  it('reports another provider error', async () => {
    const browser = new SsoBrowser();
    await abandonSignIn(browser, startUrl(server), 'picker');
    const tokensBefore = await loginTokenCount(server);
    const failuresBefore = logEventCount(server, 'sign-in failed');
    const response = await browser.get(`${server.baseUrl}${CALLBACK_PATH}?error=unsupported_response_type&state=${encodeURIComponent(lastAuthorizeState(emulator))}`);
    await assertFailurePage(server, response, { status: 502, text: 'Nextcloud reported an error and did not sign you in.', reason: 'provider_error', tokensBefore, failuresBefore });
  });

  it('reports a missing state cookie', async () => {
    const callback = await signInUntilCallback(new SsoBrowser(), server, DAVE);
    const tokensBefore = await loginTokenCount(server);
    const failuresBefore = logEventCount(server, 'sign-in failed');
    const response = await new SsoBrowser().get(callback);
    await assertFailurePage(server, response, { status: 400, text: 'This sign-in was not started in this browser', reason: 'state_cookie_missing', tokensBefore, failuresBefore, providerKnown: false });
  });

  it('reports an empty state cookie', async () => {
    const callback = await signInUntilCallback(new SsoBrowser(), server, DAVE);
    const tokensBefore = await loginTokenCount(server);
    const failuresBefore = logEventCount(server, 'sign-in failed');
    const response = await new SsoBrowser().get(callback, { cookie: 'lattice_sso_state=' });
    await assertFailurePage(server, response, { status: 400, text: 'This sign-in was not started in this browser', reason: 'state_cookie_missing', tokensBefore, failuresBefore, providerKnown: false });
  });

  it('reports a tampered state cookie', async () => {
    const browser = new SsoBrowser();
    const callback = await signInUntilCallback(browser, server, DAVE);
    const cookie = (await browser.cookieJar.getCookies(callback.href)).find((candidate) => candidate.key === 'lattice_sso_state');
    assert.ok(cookie, 'state cookie in the jar');
    const [payload, signature] = cookie.value.split('.');
    const decoded = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    decoded.redirectUrl = 'http://127.0.0.1:7/elsewhere/';
    const tampered = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;

    const tokensBefore = await loginTokenCount(server);
    const failuresBefore = logEventCount(server, 'sign-in failed');
    const response = await new SsoBrowser().get(callback, { cookie: `lattice_sso_state=${tampered}` });
    await assertFailurePage(server, response, { status: 400, text: 'The sign-in session in this browser is not valid.', reason: 'state_cookie_invalid', tokensBefore, failuresBefore, providerKnown: false });
  });

  it('reports a state mismatch', async () => {
    const browser = new SsoBrowser();
    const callback = await signInUntilCallback(browser, server, DAVE);
    callback.searchParams.set('state', 'a-state-from-another-sign-in');
    const tokensBefore = await loginTokenCount(server);
    const failuresBefore = logEventCount(server, 'sign-in failed');
    const response = await browser.get(callback);
    await assertFailurePage(server, response, { status: 400, text: 'does not belong to the sign-in started in this browser', reason: 'state_mismatch', tokensBefore, failuresBefore });
  });

  it('reports a code the token endpoint rejects', async () => {
    const browser = new SsoBrowser();
    const callback = await signInUntilCallback(browser, server, DAVE);
    emulator.expireCode(callback.searchParams.get('code') ?? '');
    const tokensBefore = await loginTokenCount(server);
    const failuresBefore = logEventCount(server, 'sign-in failed');
    const response = await browser.get(callback);
    await assertFailurePage(server, response, { status: 502, text: 'Nextcloud did not accept the sign-in code', reason: 'code_rejected', tokensBefore, failuresBefore });
  });

  it('reports OCS 401 with statuscode 997', async () => {
    const browser = new SsoBrowser();
    const callback = await signInUntilCallback(browser, server, DAVE);
    emulator.disableUser(DAVE.id);
    try {
      const tokensBefore = await loginTokenCount(server);
      const failuresBefore = logEventCount(server, 'sign-in failed');
      const response = await browser.get(callback);
      await assertFailurePage(server, response, {
        status: 502, text: 'Nextcloud did not let this Matrix server read your account details.', reason: 'profile_rejected', tokensBefore, failuresBefore,
      });
      const failure = await waitForLogEvent(server, 'sign-in failed', failuresBefore);
      assert.match(String(failure.detail), /returned status 401 with statuscode 997/);
    } finally {
      emulator.enableUser(DAVE.id);
    }
  });

  it('creates the user after earlier failures', async () => {
    const token = loginTokenOf(await signIn(new SsoBrowser(), server, DAVE));
    assert.ok(token.length > 0);
    assert.deepEqual((await userRows(server)).filter((user) => user.localpart.startsWith('dave')).map((user) => user.user_id), ['@dave:localhost']);
  });
});

describe('SSO provider faults', () => {
  it('reports a wrong client secret', async () => {
    const emulator = await NextcloudEmulator.start();
    emulator.addUser(DAVE);
    const server = await startSsoServer({ providers: [{ id: 'nextcloud', emulator, clientSecret: 'wrong-secret' }] });
    try {
      const browser = new SsoBrowser();
      const callback = await signInUntilCallback(browser, server, DAVE);
      const response = await browser.get(callback);
      await assertFailurePage(server, response, { status: 502, text: "Nextcloud did not accept this Matrix server's client credentials.", reason: 'client_rejected', tokensBefore: 0, failuresBefore: 0 });
      assert.deepEqual(server.logsContaining('wrong-secret'), [], 'client secret not logged');
    } finally {
      await server.dispose();
      await emulator.stop();
    }
  });

  it('reports an unreachable Nextcloud', async () => {
    const emulator = await NextcloudEmulator.start();
    emulator.addUser(DAVE);
    const server = await startSsoServer({ providers: [{ id: 'nextcloud', emulator }] });
    try {
      const browser = new SsoBrowser();
      const callback = await signInUntilCallback(browser, server, DAVE);
      await emulator.stop();
      const response = await browser.get(callback);
      await assertFailurePage(server, response, { status: 502, text: 'This Matrix server could not reach Nextcloud.', reason: 'provider_unreachable', tokensBefore: 0, failuresBefore: 0 });
    } finally {
      await server.dispose();
    }
  });

  const rewrites: Array<{ name: string; rewrite: (body: string) => string; text: string; reason: string }> = [
    { name: 'reports malformed OCS JSON', rewrite: (body) => body.slice(0, 40), text: 'Nextcloud sent a reply this Matrix server cannot read.', reason: 'provider_response_invalid' },
    { name: 'reports malformed token JSON', rewrite: () => '<html>maintenance</html>', text: 'Nextcloud sent a reply this Matrix server cannot read.', reason: 'provider_response_invalid' },
    {
      name: 'reports an empty user id',
      rewrite: (body) => body.replace('"id":"dave"', '"id":""'),
      text: 'Nextcloud did not say which account you signed in with.',
      reason: 'subject_missing',
    },
  ];
  for (const { name, rewrite, text, reason } of rewrites) {
    it(name, async () => {
      const emulator = await NextcloudEmulator.start();
      emulator.addUser(DAVE);
      const target = name.includes('token') ? '/index.php/apps/oauth2/api/v1/token' : '/ocs/v2.php/cloud/user';
      const proxy = await RewritingProxy.start(emulator.baseUrl, (path, body) => (path.startsWith(target) ? rewrite(body) : undefined));
      const server = await startSsoServer({ providers: [{ id: 'nextcloud', emulator, url: proxy.baseUrl }] });
      try {
        const browser = new SsoBrowser();
        const callback = await signInUntilCallback(browser, server, DAVE);
        const response = await browser.get(callback);
        await assertFailurePage(server, response, { status: 502, text, reason, tokensBefore: 0, failuresBefore: 0 });
      } finally {
        await server.dispose();
        await proxy.stop();
        await emulator.stop();
      }
    });
  }
});
