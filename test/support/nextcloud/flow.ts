// Browser-facing routes of the OAuth2 flow: authorize, auth picker, grant page and consent POST,
// as Nextcloud 34.0.1 serves them under /index.php. The login form is in login.ts.
import { phpJson, phpUrlencode, randomAlphanumeric, routeQuery, type PhpValue } from './php.js';
import { escapeHtml, htmlPageCsp, type Exchange } from './http.js';
import type { ClientRecord } from './state.js';

export interface FlowOptions {
  pkce: 'ignored' | 'enforced';
  /** Client names whose authorize request skips the picker (app config `skipAuthPickerApplications`). */
  skipAuthPickerApplications: readonly string[];
  /** Host names, optionally with port, that the login form accepts in `Origin`. */
  trustedDomains: readonly string[];
}

const PKCE_STRING_PATTERN = /^[A-Za-z0-9._~-]{43,128}$/;
// PasswordConfirmationRequired accepts a password entered within 30 minutes plus 15 s of grace.
const PASSWORD_CONFIRMATION_SECONDS = 30 * 60 + 15;

/** Renders a guest page with the request token in `<head>` and each initial state as base64 JSON. */
export function renderPage(ex: Exchange, title: string, initialStates: Record<string, PhpValue>, content: string): string {
  const requestToken = ex.state.requestTokenFor(ex.session);
  const states = Object.entries(initialStates)
    .map(([key, value]) => {
      const encoded = Buffer.from(phpJson(value), 'utf8').toString('base64');
      return `<input type="hidden" id="initial-state-core-${key}" value="${encoded}">`;
    })
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html class="ng-csp" data-placeholder-focus="false" lang="en" data-locale="en" translate="no">',
    `<head data-requesttoken="${escapeHtml(requestToken)}">`,
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)} - Nextcloud</title>`,
    '</head>',
    '<body id="body-login">',
    states,
    `<main id="content">${content}</main>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function guestMessagePage(ex: Exchange, title: string, message: string): string {
  return renderPage(ex, title, {}, `<div class="guest-box"><h2>${escapeHtml(title)}</h2><p>${escapeHtml(message)}</p></div>`);
}

/** Returns the base URL of the instance as the request reached it, like ClientFlowLoginController::getServerPath. */
function serverPath(ex: Exchange): string {
  const path = ex.url.pathname;
  let prefix = '';
  if (path.includes('/index.php')) prefix = path.slice(0, path.indexOf('/index.php'));
  else if (path.includes('/login/flow')) prefix = path.slice(0, path.indexOf('/login/flow'));
  return `${ex.url.protocol}//${ex.header('host') ?? ex.url.host}${prefix}`;
}

/** Builds an absolute URL from a route path; generated URLs always contain /index.php. */
export function absolute(ex: Exchange, routePath: string): string {
  return `${ex.baseUrl}/index.php${routePath}`;
}

function clientForIdentifier(ex: Exchange, clientIdentifier: string): ClientRecord | null | 'unknown' {
  if (clientIdentifier === '') return null;
  return ex.state.findClientByIdentifier(clientIdentifier) ?? 'unknown';
}

/** Sends the 500 page that Nextcloud shows for an uncaught exception such as ClientNotFoundException. */
function internalError(ex: Exchange): void {
  ex.sendHtml(500, guestMessagePage(ex, 'Internal Server Error', 'The server was unable to complete your request.'), htmlPageCsp());
}

/**
 * Replies like Nextcloud's SecurityMiddleware to a failed check. A browser gets a redirect to the
 * login form (when not logged in) or an error page, and other clients get `{"message":…}` JSON.
 */
function securityFailure(ex: Exchange, status: 401 | 403 | 412, message: string): void {
  if (!ex.acceptsHtml()) {
    ex.sendJson(status, { message });
    return;
  }
  if (status === 401) {
    const params: Array<[string, string | undefined]> = [['redirect_url', ex.req.url ?? '/']];
    const user = ex.param('user') ?? '';
    if (user !== '') params.push(['user', user]);
    const direct = ex.param('direct');
    if (direct !== undefined && direct !== '' && direct !== '0') params.push(['direct', direct]);
    ex.redirect(`/index.php/login?${routeQuery(params)}`);
    return;
  }
  ex.sendHtml(status, guestMessagePage(ex, 'Access forbidden', message), htmlPageCsp());
}

/** GET /apps/oauth2/authorize, with the order of checks of LoginRedirectorController::authorize. */
export function handleAuthorize(ex: Exchange, options: FlowOptions): void {
  const client = ex.state.findClientByIdentifier(ex.param('client_id') ?? '');
  if (client === undefined) {
    const message = 'Your client is not authorized to connect. Please inform the administrator of your client.';
    ex.sendHtml(200, guestMessagePage(ex, 'Page not found', message), htmlPageCsp());
    return;
  }

  const oauthState = ex.param('state') ?? '';
  // This branch appends with `?` even when the registered URI has a query, as 34.0.1 does.
  const errorRedirect = (error: string, description?: string) => {
    const descriptionPart = description === undefined ? '' : `&error_description=${description}`;
    ex.redirect(`${client.redirectUri}?error=${error}${descriptionPart}&state=${phpUrlencode(oauthState)}`);
  };
  if (ex.param('response_type') !== 'code') {
    errorRedirect('unsupported_response_type');
    return;
  }

  let codeChallenge = '';
  let codeChallengeMethod = '';
  if (options.pkce === 'enforced') {
    // Newer Nextcloud master validates PKCE here; 34.0.1 drops both parameters silently.
    codeChallenge = ex.param('code_challenge') ?? '';
    const requestedMethod = ex.param('code_challenge_method') ?? '';
    if (codeChallenge === '' && requestedMethod !== '') {
      errorRedirect('invalid_request', 'code_challenge+required');
      return;
    }
    if (codeChallenge !== '' && !PKCE_STRING_PATTERN.test(codeChallenge)) {
      errorRedirect('invalid_request', 'Invalid+code_challenge');
      return;
    }
    codeChallengeMethod = requestedMethod === '' && codeChallenge !== '' ? 'plain' : requestedMethod;
    if (codeChallengeMethod !== '' && codeChallengeMethod !== 'S256') {
      errorRedirect('invalid_request', 'Transform+algorithm+not+supported');
      return;
    }
  }

  ex.session.oauthState = oauthState;
  ex.session.codeChallenge = codeChallenge;
  ex.session.codeChallengeMethod = codeChallengeMethod;

  if (options.skipAuthPickerApplications.includes(client.name)) {
    const stateToken = randomAlphanumeric(64);
    ex.session.flowStateToken = stateToken;
    const query = routeQuery([['stateToken', stateToken], ['clientIdentifier', client.clientId], ['providedRedirectUri', '']]);
    ex.redirect(absolute(ex, `/login/flow/grant?${query}`));
    return;
  }
  const query = routeQuery([['clientIdentifier', client.clientId], ['providedRedirectUri', '']]);
  ex.redirect(absolute(ex, `/login/flow?${query}`));
}

/** GET /login/flow: the "Connect to your account" picker. It stores a new flow state token. */
export function handleAuthPicker(ex: Exchange): void {
  const clientIdentifier = ex.param('clientIdentifier') ?? '';
  const client = clientForIdentifier(ex, clientIdentifier);
  if (client === 'unknown') {
    internalError(ex);
    return;
  }
  if (client === null && ex.header('ocs-apirequest') !== 'true') {
    ex.sendHtml(200, guestMessagePage(ex, 'Access Forbidden', 'Invalid request'), htmlPageCsp());
    return;
  }

  const stateToken = randomAlphanumeric(64);
  ex.session.flowStateToken = stateToken;
  const user = ex.param('user') ?? '';
  const direct = Number.parseInt(ex.param('direct') ?? '0', 10) || 0;
  const providedRedirectUri = ex.param('providedRedirectUri') ?? '';
  const clientName = client?.name ?? ex.header('user-agent') ?? 'unknown';
  const loginRedirectUrl = '/index.php/login/flow/grant?' + routeQuery([
    ['stateToken', stateToken],
    ['clientIdentifier', clientIdentifier],
    ['oauthState', ex.session.oauthState],
    ['user', user],
    ['direct', direct],
    ['providedRedirectUri', providedRedirectUri],
  ]);

  const html = renderPage(ex, 'Connect to your account', {
    loginFlowState: 'auth',
    loginFlowAuth: {
      client: clientName,
      clientIdentifier,
      instanceName: 'Nextcloud',
      stateToken,
      serverHost: serverPath(ex),
      oauthState: ex.session.oauthState ?? null,
      direct: direct !== 0,
      providedRedirectUri,
      loginRedirectUrl,
      appTokenUrl: absolute(ex, '/login/flow/apptoken'),
    },
  }, `<h2>Connect to your account</h2><p>Please log in before granting ${escapeHtml(clientName)} access to your Nextcloud account.</p>`);
  ex.sendHtml(200, html, htmlPageCsp(client?.redirectUri ?? 'nc://*'));
}

/** GET /login/flow/grant: the consent page, for logged-in users with the current flow state token. */
export function handleGrantPage(ex: Exchange): void {
  const user = ex.sessionUser();
  if (user === undefined) {
    securityFailure(ex, 401, 'Current user is not logged in');
    return;
  }
  const stateToken = ex.param('stateToken') ?? '';
  if (ex.session.flowStateToken === undefined || ex.session.flowStateToken !== stateToken) {
    ex.authenticatedUid = user.uid;
    ex.sendHtml(403, guestMessagePage(ex, 'Access forbidden', 'State token does not match'), htmlPageCsp());
    return;
  }
  const clientIdentifier = ex.param('clientIdentifier') ?? '';
  const client = clientForIdentifier(ex, clientIdentifier);
  if (client === 'unknown') {
    internalError(ex);
    return;
  }

  ex.authenticatedUid = user.uid;
  const clientName = client?.name ?? ex.header('user-agent') ?? 'unknown';
  const html = renderPage(ex, 'Account access', {
    loginFlowState: 'grant',
    loginFlowGrant: {
      actionUrl: absolute(ex, '/login/flow'),
      client: clientName,
      clientIdentifier,
      instanceName: 'Nextcloud',
      stateToken,
      serverHost: serverPath(ex),
      oauthState: ex.session.oauthState ?? null,
      direct: Number.parseInt(ex.param('direct') ?? '0', 10) || 0,
      providedRedirectUri: ex.param('providedRedirectUri') ?? '',
      userDisplayName: user.displayNameColumn !== '' ? user.displayNameColumn : user.uid,
      userId: user.uid,
    },
  }, `<h2>Account access</h2><p>You are about to grant ${escapeHtml(clientName)} access to your Nextcloud account.</p>`);
  ex.sendHtml(200, html, htmlPageCsp(client?.redirectUri ?? 'nc://*'));
}

/** POST /login/flow: the consent submit. It creates an app password and redirects to the client with a code. */
export function handleConsent(ex: Exchange): void {
  const user = ex.sessionUser();
  if (user === undefined) {
    securityFailure(ex, 401, 'Current user is not logged in');
    return;
  }
  ex.authenticatedUid = user.uid;
  if (!ex.state.isValidRequestToken(ex.session, ex.param('requesttoken') ?? ex.header('requesttoken'))) {
    securityFailure(ex, 412, 'CSRF check failed');
    return;
  }
  if ((ex.session.lastPasswordConfirm ?? 0) < ex.state.now() - PASSWORD_CONFIRMATION_SECONDS) {
    securityFailure(ex, 403, 'Password confirmation is required');
    return;
  }

  const stateToken = ex.param('stateToken') ?? '';
  const valid = ex.session.flowStateToken !== undefined && ex.session.flowStateToken === stateToken;
  delete ex.session.flowStateToken;
  if (!valid) {
    ex.sendHtml(403, guestMessagePage(ex, 'Access forbidden', 'State token does not match'), htmlPageCsp());
    return;
  }

  const client = clientForIdentifier(ex, ex.param('clientIdentifier') ?? '');
  if (client === 'unknown') {
    internalError(ex);
    return;
  }
  const loginName = ex.session.loginName ?? user.uid;
  const clientName = client?.name ?? ex.header('user-agent') ?? 'unknown';
  const appPassword = ex.state.createAppPassword(user.uid, loginName, clientName, null);

  if (client === null) {
    // The desktop-client variant of the flow hands the app password over through an nc:// URL.
    ex.redirect(`nc://login/server:${serverPath(ex)}&user:${phpUrlencode(loginName)}&password:${phpUrlencode(appPassword.token)}`);
    return;
  }

  const code = randomAlphanumeric(128);
  const grantId = ex.state.allocateId();
  ex.state.grants.set(grantId, {
    id: grantId,
    clientDbId: client.dbId,
    appPasswordId: appPassword.id,
    currentCode: code,
    codeCreatedAt: ex.state.now(),
    tokenCount: 0,
    codeChallenge: ex.session.codeChallenge ?? '',
    codeChallengeMethod: ex.session.codeChallengeMethod ?? '',
  });
  delete ex.session.codeChallenge;
  delete ex.session.codeChallengeMethod;

  // 34.0.1 checks only for a query string; a #fragment in the registered URI is not handled,
  // so the parameters then land after it.
  const withoutFragment = client.redirectUri.split('#')[0] ?? '';
  const queryIndex = withoutFragment.indexOf('?');
  const hasQuery = queryIndex >= 0 && queryIndex < withoutFragment.length - 1;
  const separator = hasQuery ? '&' : '?';
  const oauthState = ex.session.oauthState ?? '';
  delete ex.session.oauthState;
  ex.redirect(`${client.redirectUri}${separator}state=${phpUrlencode(oauthState)}&code=${code}`);
}
