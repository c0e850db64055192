import { createHmac, randomBytes } from 'node:crypto';
import { mapLimit, type MatrixHttp } from './http.js';
import type { LatticeProcess } from './server.js';

/** A signed-in account the scenarios act as. */
export interface BenchUser {
  userId: string;
  token: string;
}

/** A source of accounts for the bench. */
export interface UserSource {
  /** One line for the report, such as "shared-secret registration". */
  readonly description: string;
  /** Creates `count` more accounts, or as many as the source has; returns them signed in. */
  create(count: number): Promise<BenchUser[]>;
}

const PASSWORD_SUFFIX = '-bench-password';

/** Localparts unique to this run, so a run against a server with an older database never collides. */
function localpartPrefix(): string {
  return `bench${Date.now().toString(36)}${randomBytes(2).toString('hex')}u`;
}

/**
 * Registers accounts through `/_synapse/admin/v1/register`, the shared-secret API that Synapse
 * defines: fetch a nonce, then post the HMAC-SHA1 of nonce, user, password and admin flag.
 */
export class SharedSecretUsers implements UserSource {
  readonly description = 'shared-secret registration (/_synapse/admin/v1/register)';
  private readonly prefix = localpartPrefix();
  private created = 0;

  constructor(private readonly http: MatrixHttp, private readonly secret: string) {}

  create(count: number): Promise<BenchUser[]> {
    const first = this.created;
    this.created += count;
    return mapLimit(Array.from({ length: count }, (_, i) => first + i), 4, (index) => this.register(`${this.prefix}${index}`));
  }

  private async register(localpart: string): Promise<BenchUser> {
    const password = `${localpart}${PASSWORD_SUFFIX}`;
    const { nonce } = await this.http.call<{ nonce: string }>('GET', '/_synapse/admin/v1/register');
    const mac = sharedSecretMac(this.secret, nonce, localpart, password, false);
    const body = { nonce, username: localpart, password, admin: false, mac };
    const response = await this.http.call<{ user_id: string; access_token: string }>('POST', '/_synapse/admin/v1/register', { body });
    return { userId: response.user_id, token: response.access_token };
  }
}

/** Computes the `mac` field of a shared-secret registration, as hex HMAC-SHA1 over NUL-separated fields. */
export function sharedSecretMac(secret: string, nonce: string, username: string, password: string, admin: boolean): string {
  return createHmac('sha1', secret).update([nonce, username, password, admin ? 'admin' : 'notadmin'].join('\0')).digest('hex');
}

/** Creates accounts with `lattice register-user` against a server the bench started, then logs them in. */
export class CliUsers implements UserSource {
  readonly description = 'lattice register-user (CLI), then password login';
  private readonly prefix = localpartPrefix();
  private created = 0;

  constructor(private readonly http: MatrixHttp, private readonly server: LatticeProcess) {}

  create(count: number): Promise<BenchUser[]> {
    const first = this.created;
    this.created += count;
    // Two at a time: each call is a node process that hashes a password with scrypt.
    return mapLimit(Array.from({ length: count }, (_, i) => first + i), 2, async (index) => {
      const localpart = `${this.prefix}${index}`;
      await this.server.registerUserWithCli(localpart, `${localpart}${PASSWORD_SUFFIX}`);
      return passwordLogin(this.http, localpart, `${localpart}${PASSWORD_SUFFIX}`);
    });
  }
}

/** Accounts given on the command line as user:password; `create` hands them out until none are left. */
export class GivenAccounts implements UserSource {
  readonly description = 'accounts given with --account';
  private next = 0;

  constructor(private readonly http: MatrixHttp, private readonly accounts: ReadonlyArray<{ user: string; password: string }>) {}

  async create(count: number): Promise<BenchUser[]> {
    const slice = this.accounts.slice(this.next, this.next + count);
    this.next += slice.length;
    return mapLimit(slice, 2, (account) => passwordLogin(this.http, account.user, account.password));
  }
}

/** Parses `user:password`; the password may itself contain colons. */
export function parseAccount(text: string): { user: string; password: string } {
  const colon = text.indexOf(':', text.startsWith('@') ? text.indexOf(':') + 1 : 0);
  if (colon <= 0 || colon === text.length - 1) throw new Error(`invalid --account "${text}": expected user:password, such as alice:secret or @alice:example.org:secret`);
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export async function passwordLogin(http: MatrixHttp, user: string, password: string): Promise<BenchUser> {
  const response = await http.call<{ user_id: string; access_token: string }>('POST', '/_matrix/client/v3/login', {
    body: { type: 'm.login.password', identifier: { type: 'm.id.user', user }, password, initial_device_display_name: 'lattice bench' },
  });
  return { userId: response.user_id, token: response.access_token };
}

/**
 * A growing set of accounts shared by every scenario: asking for n users returns the first n,
 * creating only the ones missing. Fails when the source runs out.
 */
export class UserPool {
  private readonly users: BenchUser[] = [];

  constructor(readonly source: UserSource) {}

  get size(): number {
    return this.users.length;
  }

  async take(count: number): Promise<BenchUser[]> {
    if (count > this.users.length) this.users.push(...(await this.source.create(count - this.users.length)));
    if (this.users.length < count) {
      throw new Error(`needs ${count} accounts but ${this.source.description} gave ${this.users.length}; pass more accounts or use --shared-secret`);
    }
    return this.users.slice(0, count);
  }
}
