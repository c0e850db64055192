import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { Fields } from './fields.js';
import { NEXTCLOUD_DIRECTORY_KEYS, readNextcloudDirectory } from './nextcloud.js';
import type { ClaimMapping, ProviderConfig } from './schema.js';

const PROVIDER_ID = /^[a-z0-9._-]{1,64}$/;

const NEXTCLOUD_KEYS = ['id', 'name', 'type', 'url', 'client_id', 'client_secret', 'client_secret_path', ...NEXTCLOUD_DIRECTORY_KEYS];
const OIDC_KEYS = [
  'id', 'name', 'type', 'issuer', 'discovery_url', 'client_id', 'client_secret', 'client_secret_path',
  'scopes', 'claims', 'clock_leeway_seconds',
];

/** Reads `sso.providers`, checking ids are unique and each provider has what its type needs. */
export function readProviders(sso: Fields, resolvePath: (value: string) => string): ProviderConfig[] {
  const seen = new Set<string>();
  return sso.list('providers').map((raw, index) => {
    const fields = Fields.of(raw, `sso.providers[${index}]`);
    const provider = readProvider(fields, resolvePath);
    if (seen.has(provider.id)) {
      throw new ConfigError(fields.path('id'), provider.id, 'Give each provider its own id.');
    }
    seen.add(provider.id);
    return provider;
  });
}

function readProvider(fields: Fields, resolvePath: (value: string) => string): ProviderConfig {
  const type = fields.string('type', 'nextcloud');
  const id = fields.string('id', type);
  if (!PROVIDER_ID.test(id)) {
    throw new ConfigError(fields.path('id'), id, 'Use 1 to 64 characters from a-z, 0-9, ".", "_" and "-".');
  }
  const common = {
    id,
    name: fields.string('name', type === 'nextcloud' ? 'Nextcloud' : id),
    client_id: fields.string('client_id'),
    client_secret: readSecret(fields, resolvePath),
  };

  if (type === 'nextcloud') {
    fields.rejectUnknown(NEXTCLOUD_KEYS);
    return {
      ...common,
      type,
      url: fields.httpUrl('url', 'https://cloud.example.com').replace(/\/+$/, ''),
      ...readNextcloudDirectory(fields, resolvePath),
    };
  }
  if (type === 'oidc') {
    fields.rejectUnknown(OIDC_KEYS);
    if (!fields.has('issuer') && !fields.has('discovery_url')) {
      throw new ConfigError(fields.path('issuer'), undefined, 'Set issuer (or discovery_url) for an OIDC provider.');
    }
    const discoveryUrl = fields.has('discovery_url') ? fields.httpUrl('discovery_url', 'https://id.example.com/.well-known/openid-configuration') : undefined;
    return {
      ...common,
      type,
      issuer: fields.has('issuer') ? fields.httpUrl('issuer', 'https://id.example.com') : '',
      discovery_url: discoveryUrl,
      scopes: fields.stringList('scopes', ['openid', 'profile', 'email']),
      claims: readClaims(fields.child('claims')),
      clock_leeway_seconds: fields.integer('clock_leeway_seconds', 30, { min: 0, max: 3600 }),
    };
  }
  throw new ConfigError(fields.path('type'), type, 'Use "nextcloud" for Nextcloud\'s OAuth2 app or "oidc" for an OpenID Connect provider.');
}

function readSecret(fields: Fields, resolvePath: (value: string) => string): string {
  if (fields.has('client_secret') && fields.has('client_secret_path')) {
    throw new ConfigError(fields.path('client_secret_path'), fields.get('client_secret_path'), 'Set client_secret or client_secret_path, not both.');
  }
  if (!fields.has('client_secret_path')) return fields.string('client_secret');

  const path = resolvePath(fields.string('client_secret_path'));
  let secret: string;
  try {
    secret = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(fields.path('client_secret_path'), path, `The file cannot be read (${(error as NodeJS.ErrnoException).code}); check the path and its permissions.`);
  }
  if (!secret) throw new ConfigError(fields.path('client_secret_path'), path, 'The file is empty; put the client secret in it.');
  return secret;
}

function readClaims(fields: Fields): ClaimMapping {
  fields.rejectUnknown(['subject', 'localpart', 'display_name', 'email']);
  return {
    subject: fields.string('subject', 'sub'),
    localpart: fields.string('localpart', 'preferred_username'),
    display_name: fields.string('display_name', 'name'),
    email: fields.string('email', 'email'),
  };
}
