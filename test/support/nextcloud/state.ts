// In-memory data of the emulated Nextcloud: accounts, groups, OAuth clients, app passwords,
// OAuth grant rows and PHP sessions, with the lookup rules of Nextcloud 34's Database backend.
import { randomBytes } from 'node:crypto';
import { randomAlphanumeric } from './php.js';

export interface UploadedAvatar {
  bytes: Buffer;
  type: 'image/png' | 'image/jpeg';
}

export interface UserRecord {
  uid: string;
  password: string;
  /** The backend's display-name column; empty when the display name is the uid. */
  displayNameColumn: string;
  email: string | null;
  enabled: boolean;
  /** Set from the `timezone` field of each form login, as Nextcloud does; empty until then. */
  timezone: string;
  language: string;
  /** Unix seconds; 0 until the first login. */
  firstLogin: number;
  lastLogin: number;
  storageUsedBytes: number;
  /** Quota in bytes, or null for unlimited. */
  quotaBytes: number | null;
  /** When true the OCS `quota` field is `[]`, as after a storage error. */
  quotaAsArray: boolean;
  avatar: {
    uploaded: UploadedAvatar | null;
    private: boolean;
    /** Increments on every write of the stored avatar files, which changes their ETags. */
    fileVersion: number;
    lastModified: number;
  };
}

export function displayNameOf(user: UserRecord): string {
  return user.displayNameColumn !== '' ? user.displayNameColumn : user.uid;
}

export interface GroupRecord {
  gid: string;
  displayName: string;
  members: Set<string>; // canonical uids
}

export interface ClientRecord {
  /** Numeric database id, which `occ oauth2:delete-client` takes. */
  dbId: number;
  name: string;
  redirectUri: string;
  clientId: string;
  clientSecret: string;
}

/** A permanent app password (`IToken::PERMANENT_TOKEN`, type 1). OAuth access tokens are these. */
export interface AppPasswordRecord {
  id: number;
  uid: string;
  loginName: string;
  name: string;
  token: string;
  /** Unix seconds after which the token is rejected; null when it never expires. */
  expires: number | null;
  lastActivity: number;
}

/** A row of the oauth2 app's access-token table. It contains either the code or the current refresh token. */
export interface GrantRow {
  id: number;
  clientDbId: number;
  appPasswordId: number;
  currentCode: string;
  codeCreatedAt: number;
  tokenCount: number;
  codeChallenge: string;
  codeChallengeMethod: string;
}

export interface SessionRecord {
  id: string;
  passphrase: string;
  /** Secret behind the masked request tokens on this session's pages. */
  csrfSecret: Buffer;
  userId?: string;
  loginName?: string;
  lastPasswordConfirm?: number;
  /** The `oauth.state` session key; undefined when authorize never stored it. */
  oauthState?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  /** The `client.flow.state.token` session key of the login flow. */
  flowStateToken?: string;
  /** Errors shown once by the next login page, such as `invalidpassword`. */
  loginErrors?: string[];
}

const SESSION_ID_ALPHABET = '0123456789abcdefghijklmnopqrstuv';
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export class NextcloudState {
  readonly users = new Map<string, UserRecord>(); // keyed by lower-cased uid
  readonly groups = new Map<string, GroupRecord>();
  readonly clients = new Map<number, ClientRecord>();
  readonly appPasswords = new Map<number, AppPasswordRecord>();
  readonly grants = new Map<number, GrantRow>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly instanceCookieName = 'oc' + randomAlphanumeric(10, 'abcdefghijklmnopqrstuvwxyz0123456789');
  private nextId = 1;
  private clockOffsetSeconds = 0;

  /** Emulated server time in Unix seconds. */
  now(): number {
    return Math.floor(Date.now() / 1000) + this.clockOffsetSeconds;
  }

  advanceClock(seconds: number): void {
    this.clockOffsetSeconds += seconds;
  }

  allocateId(): number {
    return this.nextId++;
  }

  /** Finds a user the way the Database backend does: without regard to case. */
  findUser(uid: string): UserRecord | undefined {
    return this.users.get(uid.toLowerCase());
  }

  findUsersByEmail(email: string): UserRecord[] {
    const normalised = email.trim().toLowerCase();
    return [...this.users.values()].filter((user) => user.email !== null && user.email === normalised);
  }

  groupIdsOf(uid: string): string[] {
    return [...this.groups.values()]
      .filter((group) => group.members.has(uid))
      .map((group) => group.gid)
      .sort();
  }

  isAdmin(uid: string): boolean {
    return this.groups.get('admin')?.members.has(uid) ?? false;
  }

  findClientByIdentifier(clientId: string): ClientRecord | undefined {
    return [...this.clients.values()].find((client) => client.clientId === clientId);
  }

  findAppPasswordByToken(token: string): AppPasswordRecord | undefined {
    return [...this.appPasswords.values()].find((entry) => entry.token === token);
  }

  findGrantByCode(code: string): GrantRow | undefined {
    return [...this.grants.values()].find((row) => row.currentCode === code);
  }

  createAppPassword(uid: string, loginName: string, name: string, expires: number | null): AppPasswordRecord {
    const entry: AppPasswordRecord = {
      id: this.allocateId(),
      uid,
      loginName,
      name,
      token: randomAlphanumeric(72),
      expires,
      lastActivity: this.now(),
    };
    this.appPasswords.set(entry.id, entry);
    return entry;
  }

  createSession(): SessionRecord {
    const session: SessionRecord = {
      id: randomAlphanumeric(26, SESSION_ID_ALPHABET),
      passphrase: randomAlphanumeric(128, BASE64_ALPHABET),
      csrfSecret: randomBytes(32),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Moves a session's data to a new id, as PHP's session_regenerate_id does at login. */
  regenerateSession(session: SessionRecord): SessionRecord {
    this.sessions.delete(session.id);
    const renewed: SessionRecord = {
      ...session,
      id: randomAlphanumeric(26, SESSION_ID_ALPHABET),
      passphrase: randomAlphanumeric(128, BASE64_ALPHABET),
    };
    this.sessions.set(renewed.id, renewed);
    return renewed;
  }

  /** Builds the masked request token of a page: base64(secret XOR pad) ":" base64(pad). */
  requestTokenFor(session: SessionRecord): string {
    const pad = randomBytes(32);
    const masked = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) masked[i] = (session.csrfSecret[i] ?? 0) ^ (pad[i] ?? 0);
    return `${masked.toString('base64')}:${pad.toString('base64')}`;
  }

  isValidRequestToken(session: SessionRecord, token: string | undefined): boolean {
    if (token === undefined) return false;
    const [maskedPart, padPart] = token.split(':');
    if (maskedPart === undefined || padPart === undefined) return false;
    const masked = Buffer.from(maskedPart, 'base64');
    const pad = Buffer.from(padPart, 'base64');
    if (masked.length !== 32 || pad.length !== 32) return false;
    for (let i = 0; i < 32; i++) {
      if (((masked[i] ?? 0) ^ (pad[i] ?? 0)) !== session.csrfSecret[i]) return false;
    }
    return true;
  }

  /** Invalidates every app password and grant row of a client, as deleting an OAuth client does. */
  deleteClient(client: ClientRecord): void {
    for (const entry of [...this.appPasswords.values()]) {
      if (entry.name === client.name) this.appPasswords.delete(entry.id);
    }
    for (const row of [...this.grants.values()]) {
      if (row.clientDbId === client.dbId) this.grants.delete(row.id);
    }
    this.clients.delete(client.dbId);
  }

  /** Removes a user with their app passwords, sessions and group memberships, as `occ user:delete` does. */
  deleteUser(user: UserRecord): void {
    this.users.delete(user.uid.toLowerCase());
    for (const entry of [...this.appPasswords.values()]) {
      if (entry.uid === user.uid) this.appPasswords.delete(entry.id);
    }
    for (const session of [...this.sessions.values()]) {
      if (session.userId === user.uid) this.sessions.delete(session.id);
    }
    for (const group of this.groups.values()) group.members.delete(user.uid);
  }
}
