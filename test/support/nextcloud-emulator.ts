// Test double of a Nextcloud 34.0.1 server acting as OAuth2 provider, built to reproduce the
// recorded HTTP behaviour byte for byte where relying parties can observe it. It listens on
// 127.0.0.1 only, on a random port.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAvatarChange, handleAvatarGet, type AvatarImageCache } from './nextcloud/avatar.js';
import { handleAuthorize, handleAuthPicker, handleConsent, handleGrantPage, renderPage, type FlowOptions } from './nextcloud/flow.js';
import { handleLoginPage, handleLoginSubmit } from './nextcloud/login.js';
import { decodePathSegment, Exchange, htmlPageCsp } from './nextcloud/http.js';
import { handleCurrentUser, handleDeleteAppPassword, RESPOND_NOT_FOUND, sendOcs, type OcsVersion } from './nextcloud/ocs.js';
import { randomAlphanumeric } from './nextcloud/php.js';
import { imageDimensions } from './nextcloud/png.js';
import { handleProvisioning } from './nextcloud/provisioning.js';
import { NextcloudState, type AppPasswordRecord, type UserRecord } from './nextcloud/state.js';
import { handleToken } from './nextcloud/token.js';

export interface NextcloudEmulatorOptions {
  /** `ignored` is Nextcloud 34.0.1; `enforced` follows the PKCE checks of newer Nextcloud master. */
  pkce?: 'ignored' | 'enforced';
  /** Server path of the data directory, shown to admins as `storageLocation`. */
  dataDirectory?: string;
  /** Extra trusted domains for the login form's Origin check; loopback hosts are always trusted. */
  trustedDomains?: string[];
  /** Loopback port to listen on; a random free port when omitted. */
  port?: number;
}

export interface NewUser {
  id: string;
  password: string;
  displayName?: string;
  email?: string | null;
  groups?: string[];
  enabled?: boolean;
  /** The user's stored timezone; Nextcloud sets it at each form login, so it starts empty. */
  timezone?: string;
  language?: string;
  storageUsedBytes?: number;
  /** Quota in bytes; unlimited when omitted. */
  quotaBytes?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path with query string, as sent. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One entry of a user's app-password list, shaped like `occ user:auth-tokens:list` output. */
export interface AppPasswordInfo {
  id: number;
  name: string;
  lastActivity: number;
  type: 1;
  scope: { filesystem: true };
}

// Core rule for new uids: these characters, at most 64 bytes, no surrounding whitespace.
const UID_PATTERN = /^[a-zA-Z0-9 _.@\-']+$/;
const RESERVED_UIDS = ['.', '..', '.htaccess', 'files_external', '__groupfolders', '.ncdata', 'owncloud.log', 'nextcloud.log', 'updater.log', 'audit.log'];
const OCS_PATH = /^\/ocs\/v([12])\.php\/(.*)$/;
const AVATAR_PATH = /^\/avatar\/([^/]+)\/([^/]+)(\/dark)?$/;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class NextcloudEmulator {
  /** Every request received, in arrival order, so tests can check what a relying party sent. */
  readonly requests: RecordedRequest[] = [];
  /** Client names whose authorize request goes straight to the grant page (app config `skipAuthPickerApplications`). */
  skipAuthPickerApplications: string[] = [];
  readonly baseUrl: string;
  private readonly state = new NextcloudState();
  private readonly avatarImages: AvatarImageCache = new Map();
  private readonly flowOptions: FlowOptions;
  private readonly dataDirectory: string;

  private constructor(private readonly server: Server, options: NextcloudEmulatorOptions) {
    const address = server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${address.port}`;
    this.dataDirectory = options.dataDirectory ?? '/var/www/html/data';
    const emulator = this;
    this.flowOptions = {
      pkce: options.pkce ?? 'ignored',
      get skipAuthPickerApplications() {
        return emulator.skipAuthPickerApplications;
      },
      trustedDomains: options.trustedDomains ?? [],
    };
  }

  static async start(options: NextcloudEmulatorOptions = {}): Promise<NextcloudEmulator> {
    let emulator: NextcloudEmulator | undefined;
    const server = createServer((req, res) => {
      if (emulator === undefined) {
        res.writeHead(503).end();
        return;
      }
      void emulator.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    emulator = new NextcloudEmulator(server, options);
    return emulator;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
    this.server.closeAllConnections();
    await closed;
  }

  // ---- accounts and groups ----

  /** Creates an account with the checks of Nextcloud's core uid rule; admins are members of the group `admin`. */
  addUser(user: NewUser): void {
    const { id } = user;
    if (!UID_PATTERN.test(id) || id.trim() !== id || Buffer.byteLength(id) > 64 || RESERVED_UIDS.includes(id)) {
      throw new Error(`Invalid Nextcloud user id ${JSON.stringify(id)}: use 1 to 64 bytes of [a-zA-Z0-9 _.@-'] without surrounding spaces`);
    }
    if (this.state.findUser(id) !== undefined) {
      throw new Error(`Nextcloud user ${JSON.stringify(id)} already exists; uids are unique without regard to case`);
    }
    const now = this.state.now();
    const record: UserRecord = {
      uid: id,
      password: user.password,
      displayNameColumn: user.displayName ?? '',
      email: user.email == null ? null : user.email.trim().toLowerCase(),
      enabled: user.enabled ?? true,
      timezone: user.timezone ?? '',
      language: user.language ?? 'en',
      firstLogin: 0,
      lastLogin: 0,
      storageUsedBytes: user.storageUsedBytes ?? 0,
      quotaBytes: user.quotaBytes ?? null,
      quotaAsArray: false,
      avatar: { uploaded: null, private: false, fileVersion: 1, lastModified: now },
    };
    this.state.users.set(id.toLowerCase(), record);
    for (const gid of user.groups ?? []) this.addUserToGroup(id, gid);
  }

  private requireUser(id: string): UserRecord {
    const user = this.state.findUser(id);
    if (user === undefined) throw new Error(`Nextcloud user ${JSON.stringify(id)} not found`);
    return user;
  }

  disableUser(id: string): void {
    this.requireUser(id).enabled = false;
  }

  enableUser(id: string): void {
    this.requireUser(id).enabled = true;
  }

  /** Deletes the account with its app passwords and sessions, as `occ user:delete` does. */
  deleteUser(id: string): void {
    this.state.deleteUser(this.requireUser(id));
  }

  /** Changes the display name; the generated avatar is redrawn and gets a new ETag. */
  setDisplayName(id: string, displayName: string): void {
    const user = this.requireUser(id);
    user.displayNameColumn = displayName;
    user.avatar.fileVersion += 1;
    user.avatar.lastModified = this.state.now();
  }

  /** Creates the group if needed; a new group's display name is its id unless `displayName` is given. */
  addGroup(gid: string, displayName?: string): void {
    const existing = this.state.groups.get(gid);
    if (existing !== undefined) {
      if (displayName !== undefined) existing.displayName = displayName;
      return;
    }
    this.state.groups.set(gid, { gid, displayName: displayName ?? gid, members: new Set() });
  }

  addUserToGroup(userId: string, gid: string): void {
    const user = this.requireUser(userId);
    this.addGroup(gid);
    this.state.groups.get(gid)?.members.add(user.uid);
  }

  /** Takes the user out of the group, as `occ group:removeuser` does. */
  removeUserFromGroup(userId: string, gid: string): void {
    const user = this.requireUser(userId);
    this.state.groups.get(gid)?.members.delete(user.uid);
  }

  /** Makes the OCS `quota` field an empty array, as Nextcloud reports it after a storage error. */
  setQuotaArray(userId: string, enabled = true): void {
    this.requireUser(userId).quotaAsArray = enabled;
  }

  // ---- avatars ----

  /** Stores an uploaded picture (PNG or JPEG), as a square upload through the web UI does. */
  setAvatar(userId: string, image: Buffer): void {
    const user = this.requireUser(userId);
    const dimensions = imageDimensions(image);
    if (dimensions === null) throw new Error('Invalid avatar: expected PNG or JPEG bytes');
    user.avatar.uploaded = { bytes: Buffer.from(image), type: dimensions.type };
    user.avatar.fileVersion += 1;
    user.avatar.lastModified = this.state.now();
  }

  /** Removes the uploaded picture; the generated one returns with a new ETag. */
  removeAvatar(userId: string): void {
    const user = this.requireUser(userId);
    user.avatar.uploaded = null;
    user.avatar.fileVersion += 1;
    user.avatar.lastModified = this.state.now();
  }

  /** Sets the avatar scope to `v2-private` (true) or back to `v2-federated`. */
  setAvatarPrivate(userId: string, isPrivate: boolean): void {
    this.requireUser(userId).avatar.private = isPrivate;
  }

  // ---- OAuth clients and app passwords ----

  /**
   * Registers an OAuth2 client like `occ oauth2:add-client`; the secret is returned only here.
   * Fixed credentials may be given, so a development set-up survives restarts.
   */
  addClient(client: { name: string; redirectUri: string; clientId?: string; clientSecret?: string }): { id: number; clientId: string; clientSecret: string } {
    let valid = false;
    try {
      const parsed = new URL(client.redirectUri);
      valid = parsed.host !== '' || parsed.protocol === 'nc:';
    } catch {
      valid = false;
    }
    if (!valid) throw new Error('Your redirect URL needs to be a full URL for example: https://yourdomain.com/path');
    const record = {
      dbId: this.state.allocateId(),
      name: client.name,
      redirectUri: client.redirectUri,
      clientId: client.clientId ?? randomAlphanumeric(64),
      clientSecret: client.clientSecret ?? randomAlphanumeric(64),
    };
    this.state.clients.set(record.dbId, record);
    return { id: record.dbId, clientId: record.clientId, clientSecret: record.clientSecret };
  }

  /** Deletes a client, its grants and every user's app passwords named after it. */
  deleteClient(clientId: string): void {
    const client = this.state.findClientByIdentifier(clientId);
    if (client === undefined) throw new Error(`OAuth client ${clientId} not found`);
    this.state.deleteClient(client);
  }

  /**
   * Lists the user's app passwords (type 1): one per completed consent plus admin-created ones.
   * Browser sessions (type 0), which Nextcloud lists in the same place, are left out.
   */
  appPasswords(userId: string): AppPasswordInfo[] {
    const uid = this.requireUser(userId).uid;
    return [...this.state.appPasswords.values()]
      .filter((entry) => entry.uid === uid)
      .map((entry) => ({ id: entry.id, name: entry.name, lastActivity: entry.lastActivity, type: 1 as const, scope: { filesystem: true as const } }));
  }

  appPasswordCount(userId: string): number {
    return this.appPasswords(userId).length;
  }

  /** Deletes one app password by id, as the user's security settings page does. */
  deleteAppPassword(id: number): void {
    if (!this.state.appPasswords.delete(id)) throw new Error(`App password ${id} not found`);
  }

  /** Creates a non-expiring app password for an admin, as `occ user:auth-tokens:add` does, and returns it. */
  addAdminAppPassword(adminUserId: string, name = 'provisioning'): string {
    const user = this.requireUser(adminUserId);
    if (!this.state.isAdmin(user.uid)) throw new Error(`Nextcloud user ${JSON.stringify(adminUserId)} is not in the admin group`);
    return this.state.createAppPassword(user.uid, user.uid, name, null).token;
  }

  // ---- fault injection ----

  /** Backdates an unused authorization code past its 600 s lifetime. */
  expireCode(code: string): void {
    const row = this.state.findGrantByCode(code);
    if (row === undefined || row.tokenCount > 0) throw new Error('Authorization code not found or already redeemed');
    row.codeCreatedAt = this.state.now() - 601;
  }

  /** Moves an access token's expiry into the past; its refresh token keeps working. */
  expireAccessToken(token: string): void {
    const entry: AppPasswordRecord | undefined = this.state.findAppPasswordByToken(token);
    if (entry === undefined) throw new Error('Access token not found');
    entry.expires = this.state.now() - 60;
  }

  /** Moves the emulator's clock forward, for lifetimes such as codes (600 s) and access tokens (3600 s). */
  advanceClock(seconds: number): void {
    this.state.advanceClock(seconds);
  }

  // ---- HTTP ----

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.destroy();
      return;
    }
    this.requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers }, body: body.toString('utf8') });
    const ex = new Exchange(this.state, req, res, body, this.baseUrl);
    try {
      this.route(ex);
    } catch (error) {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`Nextcloud emulator failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      }
    }
  }

  private route(ex: Exchange): void {
    const path = ex.url.pathname;
    const method = ex.method;

    const ocs = OCS_PATH.exec(path);
    if (ocs !== null) {
      this.routeOcs(ex, ocs[1] === '1' ? 1 : 2, ocs[2] ?? '');
      return;
    }
    if (path === '/status.php') {
      ex.sendJson(200, { installed: true, maintenance: false, needsDbUpgrade: false, version: '34.0.1.1', versionstring: '34.0.1', edition: '', productname: 'Nextcloud', extendedSupport: false });
      return;
    }
    if (path === '/.well-known/openid-configuration') {
      // At the web root this depends on the web server; the recorded PHP built-in server sent a plain 404 page.
      ex.send(404, { 'Content-Type': 'text/html; charset=UTF-8' }, '<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>');
      return;
    }

    const route = path === '/index.php' || path.startsWith('/index.php/') ? path.slice('/index.php'.length) || '/' : path;

    // A browser session of a disabled account fails at login time, before any route runs.
    const sessionUid = ex.session.userId;
    const sessionUser = sessionUid === undefined ? undefined : this.state.findUser(sessionUid);
    if (sessionUser !== undefined && sessionUser.uid === sessionUid && !sessionUser.enabled) {
      ex.send(401, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Security-Policy': htmlPageCsp() }, '{"message":"Account disabled"}');
      return;
    }

    if (route === '/.well-known/openid-configuration') {
      ex.sendJson(404, { message: 'openid-configuration not supported' }, { 'X-NEXTCLOUD-WELL-KNOWN': '1' });
      return;
    }
    if (route === '/apps/oauth2/authorize' && method === 'GET') return handleAuthorize(ex, this.flowOptions);
    if (route === '/apps/oauth2/api/v1/token' && method === 'POST') return handleToken(ex, this.flowOptions.pkce);
    if (route === '/login/flow' && method === 'GET') return handleAuthPicker(ex);
    if (route === '/login/flow' && method === 'POST') return handleConsent(ex);
    if (route === '/login/flow/grant' && method === 'GET') return handleGrantPage(ex);
    if (route === '/login' && method === 'GET') return handleLoginPage(ex);
    if (route === '/login' && method === 'POST') return handleLoginSubmit(ex, this.flowOptions);
    if ((route === '/avatar/' || route === '/avatar') && (method === 'POST' || method === 'DELETE')) return handleAvatarChange(ex);

    const avatar = AVATAR_PATH.exec(route);
    if (avatar !== null && (method === 'GET' || method === 'HEAD')) {
      const uid = decodePathSegment(avatar[1] ?? '');
      if (uid !== undefined) return handleAvatarGet(ex, this.avatarImages, uid, avatar[2] ?? '', avatar[3] !== undefined);
    }
    if (route === '/apps/dashboard/' && method === 'GET') {
      const user = ex.sessionUser();
      if (user === undefined) {
        ex.redirect(`/index.php/login?redirect_url=${encodeURIComponent('/index.php/apps/dashboard/')}`);
        return;
      }
      ex.authenticatedUid = user.uid;
      ex.sendHtml(200, renderPage(ex, 'Dashboard', {}, '<h2>Dashboard</h2>'), htmlPageCsp());
      return;
    }
    // TODO: the client-admin routes (POST/DELETE /apps/oauth2/clients) and /login/flow/apptoken are not
    // emulated; use addClient() and deleteClient() instead.
    ex.sendHtml(404, renderPage(ex, 'Page not found', {}, '<h2>Page not found</h2><p>The page could not be found on the server.</p>'), htmlPageCsp());
  }

  private routeOcs(ex: Exchange, version: OcsVersion, rest: string): void {
    const segments: string[] = [];
    for (const raw of rest.split('/')) {
      if (raw === '') continue;
      const segment = decodePathSegment(raw);
      if (segment === undefined) {
        segments.length = 0;
        segments.push('\0invalid');
        break;
      }
      segments.push(segment);
    }
    const joined = segments.join('/');
    if (joined === 'cloud/user' && ex.method === 'GET') return handleCurrentUser(ex, version, this.dataDirectory);
    if (joined === 'core/apppassword' && ex.method === 'DELETE') return handleDeleteAppPassword(ex, version);
    if (handleProvisioning(ex, version, segments, this.dataDirectory)) return;
    // TODO: GET core/getapppassword (Basic login + OCS-APIRequest) is not emulated; use addAdminAppPassword().
    const message = 'Invalid query, please check the syntax. API specifications are here: http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.\n';
    sendOcs(ex, version, RESPOND_NOT_FOUND, message, []);
  }
}
