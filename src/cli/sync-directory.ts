import { createLogger } from '../logging.js';
import { createServices } from '../services.js';
import { loadOrCreateSigningKey } from '../signing-key-file.js';
import { migrateToLatest, openDatabase } from '../storage/database.js';
import { openStorage, verifyServerName } from '../storage/index.js';
import { startNotificationRelay } from '../sync/notifier-relay.js';
import { loadConfigOrExit } from './config-file.js';

/**
 * `lattice sync-directory`: runs one directory-sync pass for every Nextcloud provider with
 * `provisioning` set and prints each change. Exits 0 when every account was read, 2 when some
 * could not be (they were left as they were), and 1 when nothing could run.
 * NOTE: beside a running server on SQLite, that server keeps accepting the deleted tokens of a
 * user locked here for up to 30 seconds, from its token cache. On PostgreSQL the revocation
 * reaches it at once.
 */
export async function runSyncDirectory(configPath: string): Promise<number> {
  const config = loadConfigOrExit(configPath);
  if (!config) return 1;
  const logger = createLogger({ level: process.env.LATTICE_LOG_LEVEL ?? 'warn', pretty: false });
  const db = await openDatabase(config.database, logger);
  try {
    await verifyServerName(db, config.server_name);
    await migrateToLatest(db, logger);
    const storage = openStorage(db);
    await storage.checkServerName(config.server_name);
    const services = createServices({ config, storage, signingKey: loadOrCreateSigningKey(config.signing_key_path, logger), logger });
    // On PostgreSQL the relay tells running servers about deleted tokens and new room events.
    const relay = await startNotificationRelay(config.database, { db, notifier: services.notifier, tokens: services.accounts, logger });
    try {
      return await runPass(services.nextcloud.sync);
    } finally {
      services.close();
      await relay?.close();
    }
  } catch (error) {
    process.stderr.write(`The directory sync failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await db.destroy();
  }
}

async function runPass(sync: ReturnType<typeof createServices>['nextcloud']['sync']): Promise<number> {
  if (sync.providers.length === 0) {
    process.stderr.write('No Nextcloud provider has "provisioning" set, so there is no directory to sync.\n');
    return 1;
  }
  const report = await sync.runOnce();
  for (const { userId, provider, change } of report.changes) process.stdout.write(`${userId} (${provider}): ${change}\n`);
  process.stdout.write(`Checked ${report.checked} accounts, ${report.changes.length} changes, ${report.failed} not readable.\n`);
  return report.failed > 0 ? 2 : 0;
}
