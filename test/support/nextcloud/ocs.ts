// OCS API of the emulated Nextcloud 34: authentication, the reply envelope in JSON and XML, the
// identity call `cloud/user` and the revocation call `DELETE core/apppassword`.
import { ocsXml, phpJson, PhpFloat, type PhpValue } from './php.js';
import type { Exchange } from './http.js';
import { displayNameOf, type AppPasswordRecord, type NextcloudState, type UserRecord } from './state.js';

export type OcsVersion = 1 | 2;

/** OCS status codes that Nextcloud maps to HTTP statuses. */
export const RESPOND_UNAUTHORISED = 997;
export const RESPOND_NOT_FOUND = 998;

export type OcsCaller =
  | { kind: 'user'; user: UserRecord; via: 'bearer' | 'basic' | 'session'; appPassword: AppPasswordRecord | undefined }
  | { kind: 'anonymous' }
  | { kind: 'disabled' };

/** Reports whether the client requested JSON: `format=json`, else the first `application/…` entry of Accept. */
function wantsJson(ex: Exchange): boolean {
  const format = ex.query('format');
  if (format !== undefined) return format === 'json';
  const accept = ex.header('accept') ?? '';
  const first = accept.split(',').map((entry) => entry.trim()).find((entry) => entry.startsWith('application/'));
  return first !== undefined && first.slice('application/'.length) === 'json';
}

function httpStatusFor(version: OcsVersion, statuscode: number): number {
  if (statuscode === RESPOND_UNAUTHORISED) return 401;
  if (version === 1) return 200;
  if (statuscode === 100 || statuscode === 200) return 200;
  if (statuscode === RESPOND_NOT_FOUND) return 404;
  if (statuscode > 996) return 500;
  if (statuscode < 200 || statuscode > 600) return 400;
  return statuscode;
}

/** Sends an OCS reply. `statuscode` 200 means success; v1 reports success as 100. */
export function sendOcs(
  ex: Exchange,
  version: OcsVersion,
  statuscode: number,
  message: string,
  data: PhpValue,
  headers: Record<string, string> = {},
): void {
  const ok = statuscode === 200;
  const meta: Record<string, PhpValue> = {
    status: ok ? 'ok' : 'failure',
    statuscode: ok && version === 1 ? 100 : statuscode,
    message: ok ? 'OK' : message,
  };
  if (version === 1) {
    meta['totalitems'] = '';
    meta['itemsperpage'] = '';
  }
  const envelope = { ocs: { meta, data } };
  const status = httpStatusFor(version, statuscode);
  if (wantsJson(ex)) {
    ex.send(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }, phpJson(envelope));
  } else {
    ex.send(status, { 'Content-Type': 'application/xml; charset=utf-8', ...headers }, ocsXml(envelope));
  }
}

function basicCredentials(header: string): { user: string; password: string } | undefined {
  const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Looks up a live app password; an expired one counts as missing, as the token provider treats it. */
export function liveAppPassword(state: NextcloudState, token: string): AppPasswordRecord | undefined {
  const entry = state.findAppPasswordByToken(token);
  if (entry === undefined) return undefined;
  if (entry.expires !== null && entry.expires < state.now()) return undefined;
  return entry;
}

/** Resolves who sent an OCS or avatar request: Bearer app password, Basic credentials or session cookie. */
export function identifyCaller(ex: Exchange): OcsCaller {
  const state = ex.state;
  const authorization = ex.header('authorization') ?? '';
  let user: UserRecord | undefined;
  let via: 'bearer' | 'basic' | 'session' = 'session';
  let appPassword: AppPasswordRecord | undefined;

  if (authorization.startsWith('Bearer ')) {
    via = 'bearer';
    appPassword = liveAppPassword(state, authorization.slice('Bearer '.length));
    user = appPassword === undefined ? undefined : state.findUser(appPassword.uid);
  } else if (authorization.startsWith('Basic ')) {
    via = 'basic';
    const credentials = basicCredentials(authorization);
    if (credentials !== undefined) {
      const token = liveAppPassword(state, credentials.password);
      if (token !== undefined) {
        // An app password works only together with the login name it was created for.
        if (token.loginName.toLowerCase() === credentials.user.toLowerCase()) {
          appPassword = token;
          user = state.findUser(token.uid);
        }
      } else {
        const named = state.findUser(credentials.user);
        if (named !== undefined && named.password === credentials.password) user = named;
      }
    }
  } else if (ex.session.userId !== undefined) {
    const named = state.findUser(ex.session.userId);
    if (named !== undefined && named.uid === ex.session.userId) user = named;
  }

  if (user === undefined) return { kind: 'anonymous' };
  if (!user.enabled) return { kind: 'disabled' };
  return { kind: 'user', user, via, appPassword };
}

/**
 * Authenticates an OCS request and sends the failure replies itself: 412 for the strict-cookie and
 * CSRF checks, 401/997 for missing or dead credentials and for disabled accounts.
 */
export function authenticateOcs(ex: Exchange, version: OcsVersion): Extract<OcsCaller, { kind: 'user' }> | undefined {
  const hasOcsHeader = ex.header('ocs-apirequest') === 'true';
  // A request with a session cookie but without the same-site marker cookies fails
  // Nextcloud's strict-cookie check unless it carries OCS-APIRequest.
  const strictCookieRequired = !hasOcsHeader && (ex.hasSessionCookie() || ex.cookies.has('nc_token'));
  if (strictCookieRequired && (ex.cookies.get('nc_sameSiteCookiestrict') !== 'true' || ex.cookies.get('nc_sameSiteCookielax') !== 'true')) {
    ex.send(412, { 'Content-Type': 'application/json' }, '{"error":"Strict Cookie has not been found in request"}');
    return undefined;
  }

  const caller = identifyCaller(ex);
  if (caller.kind === 'disabled') {
    sendOcs(ex, version, RESPOND_UNAUTHORISED, 'Unauthorised', [], { 'WWW-Authenticate': 'Basic realm="Authorisation Required"' });
    return undefined;
  }
  if (caller.kind === 'anonymous') {
    sendOcs(ex, version, RESPOND_UNAUTHORISED, 'Current user is not logged in', []);
    return undefined;
  }
  ex.authenticatedUid = caller.user.uid;
  // Only Bearer requests are exempt from the CSRF check without the OCS-APIRequest header.
  if (caller.via !== 'bearer' && !hasOcsHeader) {
    ex.sendJson(412, { message: 'CSRF check failed' });
    return undefined;
  }
  return caller;
}

function quotaOf(user: UserRecord): PhpValue {
  if (user.quotaAsArray) return [];
  const used = user.storageUsedBytes;
  if (user.quotaBytes === null) return { free: -3, used, total: -3, relative: 0, quota: -3 };
  const total = user.quotaBytes;
  const relative = total > 0 ? new PhpFloat(Math.round((used / total) * 10000) / 100) : 0;
  return { free: Math.max(total - used, 0), used, total, relative, quota: total };
}

const PROFILE_FIELDS = ['phone', 'address', 'website', 'twitter', 'bluesky', 'fediverse', 'organisation', 'role', 'headline', 'biography'];

/**
 * Builds `ocs.data` for one account in the key order of Nextcloud 34's provisioning API.
 * Scope keys appear only when the caller named their own uid; `storageLocation` only for admins.
 */
export function userData(state: NextcloudState, dataDirectory: string, target: UserRecord, viewer: UserRecord, includeScopes: boolean): { [key: string]: PhpValue } {
  const data: { [key: string]: PhpValue } = {};
  const scope = (key: string, value: PhpValue) => {
    if (includeScopes) data[key] = value;
  };
  data['enabled'] = target.enabled;
  if (state.isAdmin(viewer.uid)) data['storageLocation'] = `${dataDirectory}/${target.uid}`;
  data['id'] = target.uid;
  data['firstLoginTimestamp'] = target.firstLogin;
  data['lastLoginTimestamp'] = target.lastLogin;
  data['lastLogin'] = target.lastLogin * 1000;
  data['backend'] = 'Database';
  data['subadmin'] = [];
  data['quota'] = quotaOf(target);
  // Managers are visible only to admins and sub-admins; the emulator has none.
  data['manager'] = '';
  scope('avatarScope', target.avatar.private ? 'v2-private' : 'v2-federated');
  data['email'] = target.email;
  scope('emailScope', 'v2-federated');
  data['additional_mail'] = [];
  scope('additional_mailScope', []);
  const displayName = displayNameOf(target);
  data['displayname'] = displayName;
  data['display-name'] = displayName;
  scope('displaynameScope', 'v2-federated');
  for (const field of PROFILE_FIELDS) {
    data[field] = '';
    scope(`${field}Scope`, 'v2-local');
  }
  data['profile_enabled'] = '1';
  scope('profile_enabledScope', 'v2-local');
  data['pronouns'] = '';
  scope('pronounsScope', 'v2-federated');
  data['groups'] = state.groupIdsOf(target.uid);
  data['language'] = target.language;
  data['locale'] = '';
  data['timezone'] = target.timezone;
  data['notify_email'] = null;
  data['backendCapabilities'] = { setDisplayName: true, setPassword: true };
  return data;
}

/** GET cloud/user: the caller's own account, scopes included. */
export function handleCurrentUser(ex: Exchange, version: OcsVersion, dataDirectory: string): void {
  const caller = authenticateOcs(ex, version);
  if (caller === undefined) return;
  sendOcs(ex, version, 200, 'OK', userData(ex.state, dataDirectory, caller.user, caller.user, true));
}

/** DELETE core/apppassword: invalidates exactly the app password that authenticated the request. */
export function handleDeleteAppPassword(ex: Exchange, version: OcsVersion): void {
  const caller = authenticateOcs(ex, version);
  if (caller === undefined) return;
  if (caller.appPassword === undefined) {
    sendOcs(ex, version, 403, 'no app password in use', []);
    return;
  }
  ex.state.appPasswords.delete(caller.appPassword.id);
  sendOcs(ex, version, 200, 'OK', []);
}
