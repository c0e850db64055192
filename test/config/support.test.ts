import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { defaultConfigText } from '../../src/config/template.js';

const base = { server_name: 'example.com' };

function configError(support: unknown): ConfigError {
  try {
    parseConfig({ ...base, support }, '/etc/lattice');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('support config', () => {
  it('absent support is undefined', () => {
    assert.equal(parseConfig(base, '/etc/lattice').support, undefined);
  });

  it('template keys parse', () => {
    assert.equal(parseConfig(parseYaml(defaultConfigText('example.com', 8008)), '/srv/lattice').support, undefined);
  });

  it('empty support is undefined', () => {
    assert.equal(parseConfig({ ...base, support: { contacts: [] } }, '/etc/lattice').support, undefined);
  });

  it('reads contacts and page', () => {
    const config = parseConfig({
      ...base,
      support: { contacts: [{ matrix_id: '@admin:example.com', role: 'm.role.security' }, { email_address: 'help@example.com' }], support_page: 'https://example.com/help' },
    }, '/etc/lattice');
    assert.deepEqual(config.support, {
      contacts: [{ matrix_id: '@admin:example.com', role: 'm.role.security' }, { email_address: 'help@example.com', role: 'm.role.admin' }],
      support_page: 'https://example.com/help',
    });
  });

  it('page alone is enough', () => {
    const config = parseConfig({ ...base, support: { support_page: 'https://example.com/help' } }, '/etc/lattice');
    assert.deepEqual(config.support, { contacts: [], support_page: 'https://example.com/help' });
  });

  it('contact needs an address', () => {
    assert.equal(configError({ contacts: [{ role: 'm.role.admin' }] }).key, 'support.contacts[0].matrix_id');
  });

  it('rejects an invalid user id', () => {
    assert.equal(configError({ contacts: [{ matrix_id: 'admin' }] }).key, 'support.contacts[0].matrix_id');
  });

  it('rejects an invalid email address', () => {
    assert.equal(configError({ contacts: [{ email_address: 'nobody' }] }).key, 'support.contacts[0].email_address');
  });

  it('rejects a relative page', () => {
    assert.equal(configError({ support_page: '/help' }).key, 'support.support_page');
  });

  it('rejects unknown keys', () => {
    assert.equal(configError({ contacts: [{ email_address: 'a@b.c', phone: '1' }] }).key, 'support.contacts[0].phone');
  });
});
