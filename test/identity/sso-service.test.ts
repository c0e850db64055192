// SsoService in-process with a real SQLite database, the Nextcloud emulator and a clock the test
// moves, for what a real server process cannot show quickly: a state cookie that outlives its age.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { LatticeConfig } from '../../src/config/schema.js';
import { AccountService } from '../../src/identity/accounts.js';
import { SsoService } from '../../src/identity/sso/service.js';
import { migrateToLatest, openDatabase, type Db } from '../../src/storage/database.js';
import { DeviceStore } from '../../src/storage/devices.js';
import { UserStore } from '../../src/storage/users.js';
import { NextcloudEmulator, type NewUser } from '../support/nextcloud-emulator.js';
import { signInThroughNextcloud, SsoBrowser } from '../support/sso-browser.js';

/** Public base URL of the in-process service; the browser stops before requesting it. */
const PUBLIC_BASEURL = 'http://127.0.0.1:1/';
const EVE: NewUser = { id: 'eve', password: 'eve-password-1', displayName: 'Eve' };

describe('SsoService state expiry', () => {
  let emulator: NextcloudEmulator;
  let db: Db;
  let dataDir: string;
  let users: UserStore;
  let service: SsoService;
  let clock = Date.now();
  const logLines: string[] = [];

  before(async () => {
    emulator = await NextcloudEmulator.start();
    emulator.addUser(EVE);
    const client = emulator.addClient({ name: 'Lattice', redirectUri: `${PUBLIC_BASEURL}_synapse/client/oidc/callback` });

    dataDir = mkdtempSync(join(tmpdir(), 'lattice-sso-service-'));
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => { logLines.push(chunk.toString()); done(); } }));
    db = await openDatabase({ type: 'sqlite', path: join(dataDir, 'lattice.db') });
    await migrateToLatest(db, logger);
    users = new UserStore(db);
    const now = () => clock;
    const config: Pick<LatticeConfig, 'server_name' | 'public_baseurl' | 'sso'> = {
      server_name: 'localhost',
      public_baseurl: PUBLIC_BASEURL,
      sso: {
        providers: [{ type: 'nextcloud', id: 'nextcloud', name: 'Nextcloud', url: emulator.baseUrl, client_id: client.clientId, client_secret: client.clientSecret }],
        client_allowlist: ['http://127.0.0.1:9/'],
        update_profile_on_login: false,
      },
    };
    service = new SsoService({
      config,
      users,
      accounts: new AccountService({ users, devices: new DeviceStore(db), serverName: 'localhost', logger, now }),
      profiles: { setDisplayName: (userId, name) => users.setDisplayname(userId, name) },
      logger,
      cookieSecret: Buffer.alloc(32, 7),
      now,
    });
  });

  after(async () => {
    await db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
    await emulator.stop();
  });

  /** Starts a sign-in, walks the emulator's pages, and returns the callback query and the state cookie. */
  async function walkToCallback(): Promise<{ query: URLSearchParams; stateCookie: string }> {
    const start = await service.startSignIn(undefined, 'http://127.0.0.1:9/app/', 'req-test');
    assert.equal(start.kind, 'redirect');
    if (start.kind !== 'redirect') throw new Error('no redirect');
    const result = await signInThroughNextcloud(new SsoBrowser(), start.location, { user: EVE.id, password: EVE.password }, { stopAtOrigin: PUBLIC_BASEURL });
    const callback = new URL(result.finalUrl);
    assert.equal(callback.pathname, '/_synapse/client/oidc/callback');
    return { query: callback.searchParams, stateCookie: start.stateCookie };
  }

  it('rejects a cookie older than ten minutes', async () => {
    const { query, stateCookie } = await walkToCallback();
    clock += 601_000;
    const finish = await service.finishSignIn(query, stateCookie, 'req-expired');
    assert.equal(finish.kind, 'failed');
    if (finish.kind !== 'failed') return;
    assert.equal(finish.status, 400);
    assert.match(finish.message, /The sign-in took too long and expired\. Go back to your chat app/);
    assert.equal(await users.findByExternalId('nextcloud', EVE.id), undefined);
    assert.ok(logLines.some((line) => line.includes('"reason":"state_cookie_expired"') && line.includes('"requestId":"req-expired"')));
  });

  it('accepts a cookie within ten minutes', async () => {
    const { query, stateCookie } = await walkToCallback();
    clock += 540_000;
    const finish = await service.finishSignIn(query, stateCookie, 'req-in-time');
    assert.equal(finish.kind, 'redirect');
    assert.equal(await users.findByExternalId('nextcloud', EVE.id), '@eve:localhost');
  });
});
