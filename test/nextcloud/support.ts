// Set-up for the Nextcloud directory tests: a Lattice process whose one provider is an emulator
// with the given directory settings, and helpers to sign in, log in and read the server's state.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { api } from '../support/client.js';
import type { NextcloudEmulator, NewUser } from '../support/nextcloud-emulator.js';
import { renderInitials } from '../support/nextcloud/png.js';
import { runCli, type CliResult } from '../ops/cli-process.js';
import { freePort, TestServer } from '../support/server.js';
import { SsoBrowser } from '../support/sso-browser.js';
import { CALLBACK_PATH, CLIENT_ORIGIN, loginTokenOf, rowCount, signIn } from '../identity/sso-support.js';

export const PROVIDER_ID = 'nextcloud';

export interface DirectoryServerOptions {
  /** Keys of the provider entry beyond sign-in, such as `group_rooms` or `provisioning`. */
  provider?: Record<string, unknown>;
  /** Creates an admin app password and sets `provisioning` with it; the admin must be in the `admin` group. */
  provisioningAdmin?: string;
  intervalSeconds?: number;
  sso?: Record<string, unknown>;
  /** Base URL given to Lattice instead of the emulator's own. */
  url?: string;
}

/** The columns of a `users` row that directory sync changes. */
export interface UserStateRow {
  avatar_url: string | null;
  displayname: string | null;
  locked: number;
  deactivated: number;
  group_admin: number;
}

/** A Lattice process with one Nextcloud provider, plus the folder holding the admin app password. */
export class DirectoryServer {
  private constructor(readonly server: TestServer, private readonly secretsDir: string) {}

  static async start(emulator: NextcloudEmulator, options: DirectoryServerOptions = {}): Promise<DirectoryServer> {
    const secretsDir = mkdtempSync(join(tmpdir(), 'lattice-nextcloud-'));
    const port = await freePort();
    const client = emulator.addClient({ name: 'Lattice', redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}` });
    const provider: Record<string, unknown> = {
      id: PROVIDER_ID,
      type: 'nextcloud',
      url: options.url ?? emulator.baseUrl,
      client_id: client.clientId,
      client_secret: client.clientSecret,
      ...options.provider,
    };
    if (options.provisioningAdmin !== undefined) {
      const passwordPath = join(secretsDir, 'nextcloud-admin-app-password');
      writeFileSync(passwordPath, `${emulator.addAdminAppPassword(options.provisioningAdmin)}\n`, { mode: 0o600 });
      provider.provisioning = { admin_user: options.provisioningAdmin, app_password_path: passwordPath, interval_seconds: options.intervalSeconds ?? 3600 };
    }
    const server = await TestServer.start({
      port,
      config: { sso: { providers: [provider], client_allowlist: [`${CLIENT_ORIGIN}/`], ...options.sso } },
    });
    return new DirectoryServer(server, secretsDir);
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  async dispose(): Promise<void> {
    await this.server.dispose();
    rmSync(this.secretsDir, { recursive: true, force: true });
  }

  /** Signs in through the emulator and exchanges the login token; returns the Matrix session. */
  async signInAndLogin(user: NewUser): Promise<{ userId: string; token: string }> {
    const result = await signIn(new SsoBrowser(), this.server, user);
    const login = await api<{ user_id: string; access_token: string }>(this.baseUrl, 'POST', '/_matrix/client/v3/login', {
      body: { type: 'm.login.token', token: loginTokenOf(result) },
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    return { userId: login.body.user_id, token: login.body.access_token };
  }

  /**
   * Runs `lattice sync-directory` against this server's config and database, as an operator
   * would; `provider` replaces keys of the provider entry for this run only.
   */
  syncDirectory(provider: Record<string, unknown> = {}): Promise<CliResult> {
    if (Object.keys(provider).length === 0) return runCli(['sync-directory', '--config', this.server.configPath]);
    const config = parseYaml(readFileSync(this.server.configPath, 'utf8')) as { sso: { providers: Array<Record<string, unknown>> } };
    config.sso.providers = config.sso.providers.map((entry) => ({ ...entry, ...provider }));
    const path = join(this.secretsDir, 'lattice-changed.yaml');
    writeFileSync(path, toYaml(config));
    return runCli(['sync-directory', '--config', path]);
  }

  /** Reads the user's profile and state columns, as an operator inspecting the database would. */
  async userRow(userId: string): Promise<UserStateRow | undefined> {
    const [row] = await this.server.query<UserStateRow>('SELECT avatar_url, displayname, locked, deactivated, group_admin FROM users WHERE user_id = ?', [userId]);
    return row;
  }

  /** Counts the rows of a table. `table` may carry a WHERE clause with `?` parameters. */
  count(table: string, params: readonly unknown[] = []): Promise<number> {
    return rowCount(this.server, table, params);
  }

  /** Returns the user's member event content as the holder of `token` reads it, or undefined when absent. */
  async membershipContent(token: string, roomId: string, userId: string): Promise<{ membership?: string; avatar_url?: string } | undefined> {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(userId)}`;
    const response = await api<{ membership?: string; avatar_url?: string }>(this.baseUrl, 'GET', path, { token });
    return response.status === 200 ? response.body : undefined;
  }

  async membership(token: string, roomId: string, userId: string): Promise<string | undefined> {
    return (await this.membershipContent(token, roomId, userId))?.membership;
  }
}

/** Draws a square PNG picture that differs for each `seed`, as a user would upload in Nextcloud. */
export function picture(seed: number): Buffer {
  return renderInitials(String.fromCharCode(65 + (seed % 26)), 200, [(seed * 40) % 256, 90, 160], false);
}

/** Polls `read` until it returns `expected`, for state that a periodic task changes. */
export async function waitFor<T>(read: () => T | Promise<T>, expected: T, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (last !== expected) {
    if (Date.now() > deadline) assert.fail(`${what}: still ${String(last)} after ${timeoutMs} ms, expected ${String(expected)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read();
  }
}
