// A scripted browser without JavaScript for sign-in tests. It follows redirects itself, keeps one
// tough-cookie jar per simulated user, and drives Nextcloud's Vue login-flow pages by reading the
// request token and the base64 JSON initial states that the pages embed.
import { CookieJar } from 'tough-cookie';

export interface BrowserResponse {
  status: number;
  headers: Headers;
  /** The URL this response came from (redirects are never followed automatically). */
  url: string;
  body: string;
}

const BROWSER_HEADERS = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) LatticeTestBrowser/1.0',
};

export class SsoBrowser {
  readonly cookieJar = new CookieJar();

  /** Sends a GET like a top-level navigation, with this browser's cookies. */
  async get(url: string | URL, headers: Record<string, string> = {}): Promise<BrowserResponse> {
    return this.request('GET', url, undefined, headers);
  }

  /** Submits a form like a browser does: urlencoded body and an Origin header. */
  async postForm(url: string | URL, fields: Record<string, string>, origin: string): Promise<BrowserResponse> {
    const body = new URLSearchParams(fields).toString();
    return this.request('POST', url, body, { 'content-type': 'application/x-www-form-urlencoded', origin });
  }

  private async request(method: string, url: string | URL, body: string | undefined, headers: Record<string, string>): Promise<BrowserResponse> {
    const target = new URL(url);
    const cookie = await this.cookieJar.getCookieString(target.href);
    const response = await fetch(target, {
      method,
      redirect: 'manual',
      headers: { ...BROWSER_HEADERS, ...(cookie === '' ? {} : { cookie }), ...headers },
      body,
    });
    for (const setCookie of response.headers.getSetCookie()) {
      await this.cookieJar.setCookie(setCookie, target.href, { ignoreError: true });
    }
    return { status: response.status, headers: response.headers, url: target.href, body: await response.text() };
  }
}

/** Reads the `data-requesttoken` attribute that every Nextcloud HTML page carries in `<head>`. */
export function readRequestToken(html: string): string | undefined {
  return /data-requesttoken="([^"]*)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
}

/** Decodes the hidden input `initial-state-<app>-<key>` (base64 JSON) of a Nextcloud page. */
export function readInitialState(html: string, app: string, key: string): unknown {
  const escapedKey = key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const match = new RegExp(`id="initial-state-${app}-${escapedKey}"\\s+value="([^"]*)"`).exec(html);
  if (match?.[1] === undefined) return undefined;
  return JSON.parse(Buffer.from(match[1], 'base64').toString('utf8')) as unknown;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

export type SignInStep = 'picker' | 'login' | 'grant';

export interface SignInOptions {
  /** Stop before following a redirect whose target has this origin, e.g. the client's redirectUrl. */
  stopAtOrigin?: string;
  /** Stop when this page of the Nextcloud flow is reached, as a user who closes the tab would. */
  abandonAt?: SignInStep;
  /** Maximum number of requests before giving up, to catch redirect loops. */
  maxRequests?: number;
}

export interface SignInResult {
  /** The redirect target at `stopAtOrigin`, or the URL of the last page reached. */
  finalUrl: string;
  /** Status of the last response: the redirect's status, or the page's. */
  status: number;
  body: string;
  /** The Nextcloud flow page where the browser stopped, if it stopped on one. */
  stoppedAt?: SignInStep;
}

interface LoginFlowAuthState {
  loginRedirectUrl: string;
}

interface LoginFlowGrantState {
  actionUrl: string;
  stateToken: string;
  clientIdentifier: string;
  providedRedirectUri: string;
}

/**
 * Walks a whole sign-in from `startUrl` (for Lattice, `/_matrix/client/v3/login/sso/redirect?redirectUrl=…`):
 * every redirect, the Nextcloud auth picker, login form and grant page, then the callback chain.
 * It logs in at most once, so a refused login returns the login page with its `loginErrors` state.
 */
export async function signInThroughNextcloud(
  browser: SsoBrowser,
  startUrl: string,
  credentials: { user: string; password: string },
  options: SignInOptions = {},
): Promise<SignInResult> {
  const maxRequests = options.maxRequests ?? 30;
  let response = await browser.get(startUrl);
  let loginSubmitted = false;

  for (let count = 1; count < maxRequests; count++) {
    if (isRedirect(response.status)) {
      const location = response.headers.get('location');
      if (location === null) return { finalUrl: response.url, status: response.status, body: response.body };
      const next = new URL(location, response.url);
      if (options.stopAtOrigin !== undefined && next.origin === new URL(options.stopAtOrigin).origin) {
        return { finalUrl: next.href, status: response.status, body: response.body };
      }
      response = await browser.get(next);
      continue;
    }
    if (response.status !== 200) break;

    const html = response.body;
    const page = new URL(response.url);
    const pickerState = readInitialState(html, 'core', 'loginFlowAuth') as LoginFlowAuthState | undefined;
    const grantState = readInitialState(html, 'core', 'loginFlowGrant') as LoginFlowGrantState | undefined;
    const isLoginPage = readInitialState(html, 'core', 'loginUsername') !== undefined;

    if (pickerState !== undefined) {
      if (options.abandonAt === 'picker') return { finalUrl: response.url, status: response.status, body: html, stoppedAt: 'picker' };
      // "Log in" leads to the grant page, which sends a browser without a session to the login form.
      response = await browser.get(new URL(pickerState.loginRedirectUrl, page));
      continue;
    }
    if (isLoginPage) {
      if (options.abandonAt === 'login' || loginSubmitted) {
        return { finalUrl: response.url, status: response.status, body: html, stoppedAt: 'login' };
      }
      const requestToken = readRequestToken(html) ?? '';
      const redirectUrl = readInitialState(html, 'core', 'loginRedirectUrl');
      const fields: Record<string, string> = {
        user: credentials.user,
        password: credentials.password,
        requesttoken: requestToken,
        timezone: 'UTC',
        timezone_offset: '0',
      };
      if (typeof redirectUrl === 'string') fields['redirect_url'] = redirectUrl;
      loginSubmitted = true;
      response = await browser.postForm(new URL(page.pathname, page), fields, page.origin);
      continue;
    }
    if (grantState !== undefined) {
      if (options.abandonAt === 'grant') return { finalUrl: response.url, status: response.status, body: html, stoppedAt: 'grant' };
      const requestToken = readRequestToken(html) ?? '';
      response = await browser.postForm(new URL(grantState.actionUrl, page), {
        stateToken: grantState.stateToken,
        clientIdentifier: grantState.clientIdentifier,
        providedRedirectUri: grantState.providedRedirectUri,
        requesttoken: requestToken,
      }, page.origin);
      continue;
    }
    break;
  }
  return { finalUrl: response.url, status: response.status, body: response.body };
}

/**
 * Starts a sign-in and walks away at `step`, leaving the half-finished flow in the browser's
 * session, like a user who closes the tab. Nextcloud has no deny button, so this is how a
 * user declines.
 */
export async function abandonSignIn(
  browser: SsoBrowser,
  startUrl: string,
  step: SignInStep,
  credentials: { user: string; password: string } = { user: '', password: '' },
  options: Omit<SignInOptions, 'abandonAt'> = {},
): Promise<SignInResult> {
  return signInThroughNextcloud(browser, startUrl, credentials, { ...options, abandonAt: step });
}
