import { existsSync, readFileSync } from 'node:fs';
import type { LatticeConfig } from '../../config/schema.js';
import { parseSigningKeyFile } from '../../core/signing-key.js';
import { openDatabase } from '../../storage/database.js';
import { ServerNameMismatchError, verifyServerName } from '../../storage/index.js';
import { ServerMetaStore } from '../../storage/server-meta.js';
import { fail, pass, warn, type CheckResult } from './result.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Settings that load but will hurt in production. */
export function checkConfigWarnings(config: LatticeConfig): CheckResult[] {
  const results: CheckResult[] = [];
  const baseurl = new URL(config.public_baseurl);
  if (baseurl.protocol === 'http:' && !LOOPBACK_HOSTS.has(baseurl.hostname)) {
    results.push(warn('public_baseurl uses https', `${config.public_baseurl} is plain HTTP`,
      'Serve Lattice behind TLS (lattice generate-config --nginx writes a server block) and set public_baseurl to the https:// URL.'));
  }
  if (config.sso.providers.length === 0 && !config.password_config.enabled) {
    results.push(warn('a sign-in method is configured', 'no SSO provider and password login disabled',
      'Add a provider under sso.providers or set password_config.enabled: true.'));
  }
  return results;
}

export function checkSigningKey(config: LatticeConfig): CheckResult {
  const title = 'signing key';
  const path = config.signing_key_path;
  if (!existsSync(path)) {
    return warn(title, `${path} does not exist yet`, 'lattice start or lattice generate-config creates it; if this server ran before, restore the key from a backup instead.');
  }
  try {
    const key = parseSigningKeyFile(readFileSync(path, 'utf8'));
    return pass(title, `${path} (${key.keyId})`);
  } catch (error) {
    return fail(title, `${path} cannot be read: ${(error as Error).message}`, 'Restore the key file from a backup and make it readable by the user running Lattice.');
  }
}

/** Opens the database read-only in effect: it runs only queries, and skips a SQLite file that does not exist yet. */
export async function checkDatabase(config: LatticeConfig): Promise<CheckResult> {
  const title = 'database reachable and belonging to this server_name';
  if (config.database.type === 'sqlite' && !existsSync(config.database.path)) {
    return pass(title, `${config.database.path} does not exist yet; lattice start creates it`);
  }
  const db = await openDatabase(config.database);
  try {
    await verifyServerName(db, config.server_name);
    const stored = await new ServerMetaStore(db).get('server_name').catch(() => undefined);
    return pass(title, stored === undefined ? 'new database; the first start records server_name' : `server_name "${stored}"`);
  } catch (error) {
    if (error instanceof ServerNameMismatchError) {
      return fail(title, `it belongs to "${error.storedName}", the config sets "${error.configuredName}"`,
        `Set server_name back to "${error.storedName}", or set database to a new, empty database to start a new server.`);
    }
    return fail(title, `cannot open it: ${(error as Error).message}`,
      config.database.type === 'sqlite'
        ? 'Check the path and that the user running Lattice may read and write it and its folder.'
        : 'Check that PostgreSQL runs, and the host, port, user, password and database name in the config.');
  } finally {
    await db.destroy();
  }
}
