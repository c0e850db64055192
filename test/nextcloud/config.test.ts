import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import type { NextcloudProviderConfig } from '../../src/config/schema.js';

const BASE = { id: 'nextcloud', type: 'nextcloud', url: 'https://cloud.example.com', client_id: 'abc', client_secret: 'secret' };

function provider(keys: Record<string, unknown>, configDir = '/etc/lattice'): NextcloudProviderConfig {
  const config = parseConfig({ server_name: 'example.com', sso: { providers: [{ ...BASE, ...keys }] } }, configDir);
  return config.sso.providers[0] as NextcloudProviderConfig;
}

function configError(keys: Record<string, unknown>): ConfigError {
  try {
    provider(keys);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('Nextcloud directory config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('fills the defaults', () => {
    const config = provider({});
    assert.deepEqual(config.sync_profile, { displayname: true, avatar: true, email: true });
    assert.equal(config.allowed_groups, undefined);
    assert.deepEqual(config.group_rooms, {});
    assert.equal(config.group_rooms_mode, 'join');
    assert.deepEqual(config.admin_groups, []);
    assert.equal(config.provisioning, undefined);
  });

  it('reads every key', () => {
    writeFileSync(join(dir, 'admin-app-password'), 'AdminAppPassword0123\n');
    const config = provider({
      sync_profile: { avatar: false },
      allowed_groups: ['staff'],
      group_rooms: { staff: ['#staff:example.com', '!abc:example.com'] },
      group_rooms_mode: 'invite',
      admin_groups: ['admin'],
      provisioning: { admin_user: 'admin', app_password_path: 'admin-app-password', interval_seconds: 60 },
    }, dir);
    assert.deepEqual(config.sync_profile, { displayname: true, avatar: false, email: true });
    assert.deepEqual(config.allowed_groups, ['staff']);
    assert.deepEqual(config.group_rooms, { staff: ['#staff:example.com', '!abc:example.com'] });
    assert.equal(config.group_rooms_mode, 'invite');
    assert.deepEqual(config.admin_groups, ['admin']);
    assert.deepEqual(config.provisioning, { admin_user: 'admin', app_password: 'AdminAppPassword0123', interval_seconds: 60 });
  });

  it('rejects invalid values with their key', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ group_rooms_mode: 'kick' }, 'sso.providers[0].group_rooms_mode'],
      [{ group_rooms: { staff: ['staff room'] } }, 'sso.providers[0].group_rooms.staff[0]'],
      [{ group_rooms: ['#staff:example.com'] }, 'sso.providers[0].group_rooms'],
      [{ sync_profile: { picture: true } }, 'sso.providers[0].sync_profile.picture'],
      [{ allowed_groups: 'staff' }, 'sso.providers[0].allowed_groups'],
      [{ provisioning: { admin_user: 'admin', app_password_path: join(dir, 'missing') } }, 'sso.providers[0].provisioning.app_password_path'],
      [{ provisioning: { admin_user: 'admin', app_password_path: join(dir, 'admin-app-password'), interval_seconds: 0 } }, 'sso.providers[0].provisioning.interval_seconds'],
    ];
    for (const [keys, key] of cases) {
      assert.equal(configError(keys).key, key, JSON.stringify(keys));
    }
  });

  it('rejects an empty app password file', () => {
    writeFileSync(join(dir, 'empty'), '\n');
    const error = configError({ provisioning: { admin_user: 'admin', app_password_path: join(dir, 'empty') } });
    assert.match(error.message, /file is empty/);
  });
});
