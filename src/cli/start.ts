import { resolve } from 'node:path';
import { startLattice, type Lattice } from '../app.js';
import { createLogger } from '../logging.js';
import { ServerNameMismatchError } from '../storage/index.js';
import { loadConfigOrExit, writeDefaultConfigIfMissing } from './config-file.js';

const FIRST_RUN_HELP = (path: string) => `
Wrote a default configuration to ${path} (server_name: localhost).

To sign in with Nextcloud, register an OAuth2 client in Nextcloud:
  occ oauth2:add-client Lattice http://localhost:8008/_synapse/client/oidc/callback
then add a provider under sso.providers in ${path} (an example is in the file) and restart.

To create a local account (an admin, for bots or as a fallback), pick a name that no Nextcloud
user has, because a Nextcloud user of the same name would then get another Matrix id:
  npx lattice register-user admin --admin --config ${path}
`;

/**
 * `lattice start`: runs the homeserver until SIGINT or SIGTERM. On either signal it stops
 * accepting, lets requests in flight finish (their writes included), closes the database and
 * returns 0.
 */
export async function runStart(configPath: string): Promise<number> {
  const path = resolve(configPath);
  if (writeDefaultConfigIfMissing(path)) process.stdout.write(FIRST_RUN_HELP(path));

  const config = loadConfigOrExit(path);
  if (!config) return 1;
  const logger = createLogger({ level: config.log_level });
  let lattice: Lattice;
  try {
    lattice = await startLattice(config, logger);
  } catch (error) {
    if (!(error instanceof ServerNameMismatchError)) throw error;
    logger.fatal({ storedName: error.storedName, configuredName: error.configuredName }, 'server_name does not match the database');
    process.stderr.write(`${path}: ${error.message}\n`);
    return 1;
  }

  await new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      lattice.close().then(resolveStop, (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        resolveStop();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
