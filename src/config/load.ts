import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isValidServerName } from '../core/identifiers.js';
import { ConfigError } from './errors.js';
import { Fields } from './fields.js';
import { allowHostedWebClient, allowSsoFallback, readFrameAncestors, readMediaConfig, readWebClient } from './media.js';
import { readAdmins, readMetrics, readRegistrationSharedSecret } from './operator.js';
import { readDatabase } from './database.js';
import { readClientFeatures } from './client-features.js';
import { readProviders } from './providers.js';
import { readSupport } from './support.js';
import type { LatticeConfig } from './schema.js';

const TOP_LEVEL_KEYS = [
  'server_name',
  'public_baseurl',
  'listen',
  'database',
  'signing_key_path',
  'password_config',
  'sso',
  'max_request_size',
  'log_level',
  'admins',
  'registration_shared_secret',
  'registration_shared_secret_path',
  'metrics',
  'media_store_path',
  'max_upload_size',
  'web_client',
  'presence',
  'turn',
  'user_directory',
  'support',
] as const;

/** Reads and validates `lattice.yaml`; throws ConfigError on the first mistake found. */
export function loadConfigFile(path: string): LatticeConfig {
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError('(file)', path, `The file is not valid YAML: ${(error as Error).message}`);
  }
  return parseConfig(raw, dirname(resolve(path)));
}

export function parseConfig(raw: unknown, configDir: string): LatticeConfig {
  const root = Fields.of(raw, '');
  root.rejectUnknown(TOP_LEVEL_KEYS);

  const serverName = root.string('server_name');
  if (!isValidServerName(serverName)) {
    throw new ConfigError('server_name', serverName, 'Use a DNS name or IP literal with an optional port, such as example.com.');
  }

  const listen = root.child('listen');
  listen.rejectUnknown(['host', 'port']);
  const port = listen.integer('port', 8008, { min: 0, max: 65535 });
  const host = listen.string('host', '127.0.0.1');

  const publicBaseurl = readPublicBaseurl(root, serverName, port);
  const resolvePath = (value: string) => (isAbsolute(value) ? value : resolve(configDir, value));

  const passwordConfig = root.child('password_config');
  passwordConfig.rejectUnknown(['enabled']);

  return {
    server_name: serverName,
    public_baseurl: publicBaseurl,
    listen: { host, port },
    database: readDatabase(root, resolvePath),
    signing_key_path: resolvePath(root.string('signing_key_path', './data/signing.key')),
    password_config: { enabled: passwordConfig.boolean('enabled', true) },
    sso: allowSsoFallback(allowHostedWebClient(readSso(root, resolvePath), root, publicBaseurl), publicBaseurl),
    // 50 MiB, matching Synapse's default for request bodies outside media.
    max_request_size: root.integer('max_request_size', 50 * 1024 * 1024, { min: 1024, max: 2 ** 31 }),
    log_level: readLogLevel(root),
    admins: readAdmins(root, serverName),
    registration_shared_secret: readRegistrationSharedSecret(root, resolvePath),
    metrics: readMetrics(root, port),
    ...readMediaConfig(root, resolvePath),
    web_client: readWebClient(root, resolvePath),
    ...readClientFeatures(root, resolvePath),
    support: readSupport(root),
    config_dir: configDir,
  };
}

function readPublicBaseurl(root: Fields, serverName: string, port: number): string {
  const fallback = `http://${serverName.includes(':') ? serverName : `${serverName}:${port}`}/`;
  const value = root.string('public_baseurl', fallback);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('public_baseurl', value, 'Use the absolute URL clients reach this server at, such as https://matrix.example.com/.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('public_baseurl', value, 'Use an http:// or https:// URL.');
  }
  if (url.search || url.hash) {
    throw new ConfigError('public_baseurl', value, 'Remove the query string and fragment.');
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

function readSso(root: Fields, resolvePath: (value: string) => string): LatticeConfig['sso'] {
  const sso = root.child('sso');
  sso.rejectUnknown(['providers', 'client_allowlist', 'update_profile_on_login', 'frame_ancestors']);
  const allowlist = sso.stringList('client_allowlist', []);
  allowlist.forEach((prefix, index) => {
    if (!/^https?:\/\/[^/]+/.test(prefix)) {
      throw new ConfigError(`sso.client_allowlist[${index}]`, prefix, 'Use a URL prefix starting with http:// or https:// and a host.');
    }
  });
  return {
    providers: readProviders(sso, resolvePath),
    client_allowlist: allowlist,
    update_profile_on_login: sso.boolean('update_profile_on_login', false),
    frame_ancestors: readFrameAncestors(sso),
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function readLogLevel(root: Fields): string {
  const level = root.string('log_level', 'info');
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigError('log_level', level, `Use one of ${LOG_LEVELS.join(', ')}.`);
  }
  return level;
}
