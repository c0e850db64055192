// The login form of the emulated Nextcloud 34 (GET and POST /login), with the checks of its
// login chain: request token, Origin, disabled account, then password.
import { htmlPageCsp, type Exchange } from './http.js';
import { routeQuery, type PhpValue } from './php.js';
import { absolute, renderPage, type FlowOptions } from './flow.js';
import type { UserRecord } from './state.js';

/** GET /login: the login form. A logged-in browser is sent to the default app instead. */
export function handleLoginPage(ex: Exchange): void {
  if (ex.sessionUser() !== undefined) {
    ex.redirect(absolute(ex, '/apps/dashboard/'));
    return;
  }
  const states: Record<string, PhpValue> = {};
  if (ex.session.loginErrors !== undefined) {
    states['loginMessages'] = [];
    states['loginErrors'] = ex.session.loginErrors;
    delete ex.session.loginErrors;
  }
  const user = ex.param('user') ?? '';
  states['loginUsername'] = user;
  states['loginAutocomplete'] = true;
  const redirectUrl = ex.param('redirect_url') ?? '';
  if (redirectUrl !== '' && redirectUrl.split('?')[0] !== '/index.php/logout') {
    states['loginRedirectUrl'] = redirectUrl;
  }
  states['loginThrottleDelay'] = 0;
  states['loginResetPasswordLink'] = '';
  const target = user === '' ? undefined : ex.state.findUser(user);
  states['loginCanResetPassword'] = target === undefined || target.enabled;
  states['webauthn-available'] = false;
  states['hideLoginForm'] = false;
  states['countAlternativeLogins'] = 0;
  states['alternativeLogins'] = [];
  ex.sendHtml(200, renderPage(ex, 'Login', states, '<h2>Log in to Nextcloud</h2><noscript>This page needs JavaScript.</noscript>'), htmlPageCsp());
}

function isTrustedOrigin(origin: string | undefined, trustedDomains: readonly string[]): boolean {
  if (origin === undefined || origin === '') return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  const host = parsed.hostname;
  // Nextcloud always trusts loopback hosts, whatever the port.
  if (host === '127.0.0.1' || host === 'localhost' || host === '[::1]') return true;
  return trustedDomains.includes(parsed.host) || trustedDomains.includes(host);
}

/** Resolves the login name to an account like Nextcloud's login chain: uid in any case, then e-mail. */
function checkPassword(ex: Exchange, loginName: string, password: string): UserRecord | undefined {
  const byUid = ex.state.findUser(loginName);
  if (byUid !== undefined && byUid.password === password) return byUid;
  if (loginName.includes('@')) {
    const byEmail = ex.state.findUsersByEmail(loginName);
    const only = byEmail.length === 1 ? byEmail[0] : undefined;
    if (only !== undefined && only.uid !== loginName && only.password === password) return only;
  }
  return undefined;
}

/** POST /login: checks CSRF token, Origin, disabled state and password in Nextcloud's order. */
export function handleLoginSubmit(ex: Exchange, options: FlowOptions): void {
  const rawUser = ex.param('user') ?? '';
  const redirectUrl = ex.param('redirect_url');
  const fail = (error: string) => {
    const query = routeQuery([['user', rawUser], ['direct', 1], ['redirect_url', redirectUrl]]);
    ex.session.loginErrors = [error];
    // The failure Location is relative, unlike the redirects of a successful flow.
    ex.redirect(`/index.php/login?${query}`);
  };
  const redirectAfterLogin = () => {
    if (redirectUrl !== undefined) {
      const location = `${ex.baseUrl}${redirectUrl.startsWith('/') ? '' : '/'}${redirectUrl}`;
      // Nextcloud refuses any target with an `@`, which could name another host.
      if (!location.includes('@')) {
        ex.redirect(location);
        return;
      }
    }
    ex.redirect(absolute(ex, '/apps/dashboard/'));
  };

  if (!ex.state.isValidRequestToken(ex.session, ex.param('requesttoken') ?? ex.header('requesttoken'))) {
    if (ex.sessionUser() !== undefined) {
      redirectAfterLogin();
      return;
    }
    delete ex.session.userId;
    fail('csrfCheckFailed');
    return;
  }
  if (!isTrustedOrigin(ex.header('origin'), options.trustedDomains)) {
    fail('invalidOrigin');
    return;
  }

  const loginName = rawUser.trim();
  const password = ex.param('password') ?? '';
  const named = ex.state.findUser(loginName);
  if (named !== undefined && !named.enabled) {
    // The disabled check runs before the password check, so a wrong password gets this too.
    fail('userdisabled');
    return;
  }
  const user = checkPassword(ex, loginName, password);
  if (user === undefined) {
    fail('invalidpassword');
    return;
  }
  if (!user.enabled) {
    // Reached through an e-mail login: completing the login throws, and index.php replies with JSON.
    ex.send(401, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Security-Policy': htmlPageCsp() }, '{"message":"Account disabled"}');
    return;
  }

  ex.regenerateSession();
  const now = ex.state.now();
  ex.session.userId = user.uid;
  ex.session.loginName = loginName;
  ex.session.lastPasswordConfirm = now;
  if (user.firstLogin === 0) user.firstLogin = now;
  user.lastLogin = now;
  const timezone = ex.param('timezone') ?? '';
  if (timezone !== '') user.timezone = timezone;
  ex.authenticatedUid = user.uid;
  redirectAfterLogin();
}
