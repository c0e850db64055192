import { readFileSync } from 'node:fs';
import { parseUserId } from '../core/identifiers.js';
import { ConfigError } from './errors.js';
import type { Fields } from './fields.js';
import type { MetricsConfig } from './schema.js';

/**
 * Reads `admins`: full user ids of this server that are server admins, whether they sign in with
 * SSO or a password. Default: none, so nobody is an admin until named here or created with
 * `lattice register-user --admin`.
 */
export function readAdmins(root: Fields, serverName: string): string[] {
  const admins = root.stringList('admins', []);
  admins.forEach((userId, index) => {
    const parsed = parseUserId(userId);
    if (!parsed) {
      throw new ConfigError(`admins[${index}]`, userId, `Use a full user id such as "@alice:${serverName}".`);
    }
    if (parsed.serverName !== serverName) {
      throw new ConfigError(`admins[${index}]`, userId, `Only users of this server (":${serverName}") can be server admins.`);
    }
  });
  return admins;
}

/**
 * Reads `registration_shared_secret` or `registration_shared_secret_path`, the secret that
 * `/_synapse/admin/v1/register` checks. Default: unset, which turns that endpoint off.
 */
export function readRegistrationSharedSecret(root: Fields, resolvePath: (value: string) => string): string | undefined {
  const inline = root.optionalString('registration_shared_secret');
  const path = root.optionalString('registration_shared_secret_path');
  if (inline !== undefined && path !== undefined) {
    throw new ConfigError('registration_shared_secret_path', path, 'Set either registration_shared_secret or registration_shared_secret_path, not both.');
  }
  if (path === undefined) return inline;
  let secret: string;
  try {
    secret = readFileSync(resolvePath(path), 'utf8').trim();
  } catch (error) {
    throw new ConfigError('registration_shared_secret_path', path, `The file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path and its permissions.`);
  }
  if (secret === '') throw new ConfigError('registration_shared_secret_path', path, 'The file is empty; write the secret into it.');
  return secret;
}

/**
 * Reads `metrics`. Defaults: disabled; when enabled, a separate listener on 127.0.0.1:9000 serves
 * `/metrics`, so the numbers are not public unless the operator binds them elsewhere.
 */
export function readMetrics(root: Fields, mainPort: number): MetricsConfig {
  const metrics = root.child('metrics');
  metrics.rejectUnknown(['enabled', 'host', 'port']);
  const config = {
    enabled: metrics.boolean('enabled', false),
    host: metrics.string('host', '127.0.0.1'),
    port: metrics.integer('port', 9000, { min: 0, max: 65535 }),
  };
  if (config.enabled && config.port !== 0 && config.port === mainPort) {
    throw new ConfigError('metrics.port', config.port, 'Use a port other than listen.port; metrics have their own listener.');
  }
  return config;
}
