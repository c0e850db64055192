import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import type { Fields } from './fields.js';
import type { SsoConfig } from './schema.js';

/** Media repository settings, under Synapse's key names. */
export interface MediaConfig {
  /** Folder of uploaded files and thumbnails. */
  media_store_path: string;
  /** Largest accepted upload in bytes. */
  max_upload_size: number;
}

/** A web client (such as Element Web) served at `/` on the API's origin. */
export interface WebClientConfig {
  /** Folder of the client's static files; unset serves a short page that points to the API. */
  path: string | undefined;
  /** Keys merged over the generated `config.json`, replacing generated keys of the same name. */
  config: Record<string, unknown>;
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/**
 * Reads `media_store_path` (default `./data/media`) and `max_upload_size` (default 50 MiB, as in
 * Synapse). The size is a byte count or a string with a K, M or G suffix such as "100M".
 */
export function readMediaConfig(root: Fields, resolvePath: (value: string) => string): MediaConfig {
  return {
    media_store_path: resolvePath(root.string('media_store_path', './data/media')),
    max_upload_size: readSize(root, 'max_upload_size', 50 * 1024 * 1024),
  };
}

function readSize(fields: Fields, key: string, fallback: number): number {
  const value = fields.get(key);
  if (value === undefined || value === null) return fallback;
  let bytes = NaN;
  if (typeof value === 'number') bytes = value;
  if (typeof value === 'string') {
    const match = /^\s*(\d+)\s*([KMG]?)B?\s*$/i.exec(value);
    if (match) bytes = Number(match[1]) * (SIZE_UNITS[(match[2] ?? '').toUpperCase()] ?? 1);
  }
  if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > 2 ** 40) {
    throw new ConfigError(fields.path(key), value, 'Use a number of bytes, or a size such as "50M" or "1G".');
  }
  return bytes;
}

/** Reads `web_client: {path, config}`; both keys are optional. */
export function readWebClient(root: Fields, resolvePath: (value: string) => string): WebClientConfig {
  const webClient = root.child('web_client');
  webClient.rejectUnknown(['path', 'config']);
  const path = webClient.optionalString('path');
  const overrides = webClient.get('config');
  if (overrides !== undefined && overrides !== null && (typeof overrides !== 'object' || Array.isArray(overrides))) {
    throw new ConfigError(webClient.path('config'), overrides, 'Use a mapping of config.json keys to values.');
  }
  const resolved = path === undefined ? undefined : resolvePath(path);
  if (resolved !== undefined && !existsSync(join(resolved, 'index.html'))) {
    throw new ConfigError(webClient.path('path'), path, `No index.html in ${resolved}; set it to the folder of an unpacked web client such as Element Web.`);
  }
  return { path: resolved, config: (overrides ?? {}) as Record<string, unknown> };
}

/**
 * Reads `sso.frame_ancestors`: origins allowed to show the sign-in pages in a frame, such as a
 * Nextcloud that embeds Element. Empty (the default) forbids every frame.
 */
export function readFrameAncestors(sso: Fields): string[] {
  const origins = sso.stringList('frame_ancestors', []);
  return origins.map((origin, index) => {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.replace(/\/$/, '')) {
      throw new ConfigError(`sso.frame_ancestors[${index}]`, origin, 'Use an origin such as https://cloud.example.com, without a path.');
    }
    return url.origin;
  });
}

/**
 * Adds `public_baseurl` to `sso.client_allowlist` when a web client is hosted there, so signing in
 * to it needs no confirmation page. That origin runs only the operator's client: uploaded media is
 * served sandboxed and as attachments, and the sign-in pages run no script.
 */
export function allowHostedWebClient(sso: SsoConfig, root: Fields, publicBaseurl: string): SsoConfig {
  const hosted = root.child('web_client').has('path');
  if (!hosted || sso.client_allowlist.includes(publicBaseurl)) return sso;
  return { ...sso, client_allowlist: [...sso.client_allowlist, publicBaseurl] };
}

/**
 * Adds the done page of the `m.login.sso` fallback to `sso.client_allowlist`. That page consumes
 * the login token of a new sign-in to confirm a user-interactive auth session, and never turns it
 * into an access token.
 */
export function allowSsoFallback(sso: SsoConfig, publicBaseurl: string): SsoConfig {
  const donePage = `${publicBaseurl}_matrix/client/v3/auth/m.login.sso/fallback/web/done`;
  if (sso.client_allowlist.includes(donePage)) return sso;
  return { ...sso, client_allowlist: [...sso.client_allowlist, donePage] };
}
