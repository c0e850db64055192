import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { defaultConfigText } from '../../src/config/template.js';

const nextcloud = { id: 'nextcloud', type: 'nextcloud', url: 'https://cloud.example.com/', client_id: 'abc', client_secret: 'secret' };

function configError(raw: unknown): ConfigError {
  try {
    parseConfig(raw, '/etc/lattice');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('config loading', () => {
  it('generated template parses', () => {
    const config = parseConfig(parseYaml(defaultConfigText('localhost', 8008)), '/srv/lattice');
    assert.equal(config.server_name, 'localhost');
    assert.equal(config.public_baseurl, 'http://localhost:8008/');
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8008 });
    assert.deepEqual(config.database, { type: 'sqlite', path: '/srv/lattice/data/lattice.db' });
    assert.equal(config.signing_key_path, '/srv/lattice/data/signing.key');
    assert.equal(config.password_config.enabled, true);
    assert.deepEqual(config.sso.providers, []);
  });

  it('nextcloud provider gets defaults', () => {
    const config = parseConfig({ server_name: 'example.com', sso: { providers: [nextcloud] } }, '/etc/lattice');
    const provider = config.sso.providers[0];
    assert.equal(provider?.type, 'nextcloud');
    assert.equal(provider?.name, 'Nextcloud');
    assert.equal(provider?.type === 'nextcloud' ? provider.url : undefined, 'https://cloud.example.com');
    assert.equal(config.sso.update_profile_on_login, false);
  });

  it('public_baseurl gains a trailing slash', () => {
    const config = parseConfig({ server_name: 'example.com', public_baseurl: 'https://matrix.example.com' }, '/');
    assert.equal(config.public_baseurl, 'https://matrix.example.com/');
  });

  it('missing server_name names the key', () => {
    const error = configError({});
    assert.equal(error.key, 'server_name');
    assert.match(error.message, /server_name/);
    assert.match(error.message, /missing/);
  });

  it('invalid server_name shows the value and fix', () => {
    const error = configError({ server_name: 'not a host!' });
    assert.equal(error.key, 'server_name');
    assert.match(error.message, /"not a host!"/);
    assert.match(error.message, /such as example\.com/);
  });

  it('unknown top-level key is rejected', () => {
    const error = configError({ server_name: 'example.com', sever_name: 'typo' });
    assert.equal(error.key, 'sever_name');
    assert.match(error.message, /Unknown key/);
  });

  it('port out of range is rejected', () => {
    const error = configError({ server_name: 'example.com', listen: { port: 70000 } });
    assert.equal(error.key, 'listen.port');
    assert.match(error.message, /70000/);
  });

  it('relative provider url is rejected', () => {
    const error = configError({ server_name: 'example.com', sso: { providers: [{ ...nextcloud, url: 'cloud.example.com' }] } });
    assert.equal(error.key, 'sso.providers[0].url');
    assert.match(error.message, /https:\/\/cloud\.example\.com/);
  });

  it('both secret forms are rejected', () => {
    const error = configError({ server_name: 'example.com', sso: { providers: [{ ...nextcloud, client_secret_path: '/x' }] } });
    assert.equal(error.key, 'sso.providers[0].client_secret_path');
  });

  it('unreadable secret file names the path', () => {
    const { client_secret: _secret, ...withoutSecret } = nextcloud;
    const error = configError({ server_name: 'example.com', sso: { providers: [{ ...withoutSecret, client_secret_path: '/nonexistent/secret' }] } });
    assert.equal(error.key, 'sso.providers[0].client_secret_path');
    assert.match(error.message, /ENOENT/);
  });

  it('duplicate provider ids are rejected', () => {
    const error = configError({ server_name: 'example.com', sso: { providers: [nextcloud, nextcloud] } });
    assert.equal(error.key, 'sso.providers[1].id');
  });

  it('unknown provider type is rejected', () => {
    const error = configError({ server_name: 'example.com', sso: { providers: [{ ...nextcloud, type: 'saml' }] } });
    assert.equal(error.key, 'sso.providers[0].type');
    assert.match(error.message, /"nextcloud"/);
  });

  it('oidc provider needs an issuer', () => {
    const error = configError({ server_name: 'example.com', sso: { providers: [{ id: 'oidc', type: 'oidc', client_id: 'x', client_secret: 'y' }] } });
    assert.equal(error.key, 'sso.providers[0].issuer');
  });

  it('oidc provider gets default scopes and claims', () => {
    const config = parseConfig({ server_name: 'example.com', sso: { providers: [{ id: 'oidc', type: 'oidc', issuer: 'https://id.example.com', client_id: 'x', client_secret: 'y' }] } }, '/');
    const provider = config.sso.providers[0];
    assert.ok(provider?.type === 'oidc');
    assert.deepEqual(provider.scopes, ['openid', 'profile', 'email']);
    assert.equal(provider.claims.subject, 'sub');
    assert.equal(provider.clock_leeway_seconds, 30);
  });

  it('client_allowlist entries need a scheme', () => {
    const error = configError({ server_name: 'example.com', sso: { client_allowlist: ['element.example.com'] } });
    assert.equal(error.key, 'sso.client_allowlist[0]');
  });

  it('YAML that is not a mapping is rejected', () => {
    const error = configError(['a', 'list']);
    assert.match(error.message, /mapping/);
  });
});
