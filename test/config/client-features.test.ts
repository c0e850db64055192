import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { defaultConfigText } from '../../src/config/template.js';

const base = { server_name: 'example.com' };

function configError(raw: Record<string, unknown>): ConfigError {
  try {
    parseConfig({ ...base, ...raw }, '/etc/lattice');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('presence, turn and user directory config', () => {
  it('defaults enable presence without TURN', () => {
    const config = parseConfig(base, '/etc/lattice');
    assert.deepEqual(config.presence, { enabled: true });
    assert.deepEqual(config.user_directory, { search_all_users: true });
    assert.deepEqual(config.turn, { uris: [], shared_secret: undefined, user_lifetime_seconds: 86_400 });
  });

  it('template keys parse', () => {
    const config = parseConfig(parseYaml(defaultConfigText('example.com', 8008)), '/srv/lattice');
    assert.equal(config.presence.enabled, true);
    assert.deepEqual(config.turn.uris, []);
    assert.equal(config.user_directory.search_all_users, true);
  });

  it('reads user_directory.search_all_users', () => {
    assert.equal(parseConfig({ ...base, user_directory: { search_all_users: false } }, '/etc/lattice').user_directory.search_all_users, false);
    assert.equal(configError({ user_directory: { search_all_users: 'no' } }).key, 'user_directory.search_all_users');
    assert.equal(configError({ user_directory: { everyone: true } }).key, 'user_directory.everyone');
  });

  it('reads TURN with a secret file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-turn-'));
    try {
      writeFileSync(join(dir, 'turn-secret'), 'from-file\n');
      const config = parseConfig({ ...base, presence: { enabled: false }, turn: { uris: ['turns:turn.example.com:5349'], shared_secret_path: './turn-secret', user_lifetime_seconds: 3600 } }, dir);
      assert.equal(config.presence.enabled, false);
      assert.equal(config.turn.shared_secret, 'from-file');
      assert.equal(config.turn.user_lifetime_seconds, 3600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects invalid TURN settings', () => {
    assert.equal(configError({ turn: { uris: ['turn:turn.example.com'] } }).key, 'turn.shared_secret');
    assert.equal(configError({ turn: { uris: ['https://turn.example.com'], shared_secret: 's' } }).key, 'turn.uris[0]');
    assert.equal(configError({ turn: { uris: [], user_lifetime_seconds: 5 } }).key, 'turn.user_lifetime_seconds');
    assert.equal(configError({ turn: { uris: ['turn:a'], shared_secret_path: '/nonexistent/turn-secret' } }).key, 'turn.shared_secret_path');
    assert.equal(configError({ presence: { enabled: 'yes' } }).key, 'presence.enabled');
    assert.equal(configError({ presence: { idle: true } }).key, 'presence.idle');
  });
});
