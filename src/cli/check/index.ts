import { resolve } from 'node:path';
import { ConfigError } from '../../config/errors.js';
import { loadConfigFile } from '../../config/load.js';
import type { LatticeConfig } from '../../config/schema.js';
import { checkWellKnown } from './discovery-checks.js';
import { checkConfigWarnings, checkDatabase, checkSigningKey } from './local-checks.js';
import { checkNextcloud, checkOidc } from './nextcloud-checks.js';
import { fail, formatResult, pass, type CheckResult } from './result.js';

/**
 * `lattice check`: runs every check, printing each result as it completes, and returns 1 when
 * any failed. It only reads: it writes nothing to the database, the config or Nextcloud.
 */
export async function runCheck(configPath: string): Promise<number> {
  const path = resolve(configPath);
  let failed = false;
  const report = (results: CheckResult[]) => {
    for (const result of results) {
      if (result.status === 'fail') failed = true;
      process.stdout.write(formatResult(result));
    }
  };

  const config = loadForCheck(path, report);
  if (!config) return 1;
  report(checkConfigWarnings(config));
  report([checkSigningKey(config)]);
  report([await checkDatabase(config)]);
  report(await checkWellKnown(config));
  for (const [index, provider] of config.sso.providers.entries()) {
    report(provider.type === 'nextcloud' ? await checkNextcloud(provider, index, config.public_baseurl) : [await checkOidc(provider, index)]);
  }

  process.stdout.write(failed ? '\nSome checks failed; apply the fixes above and run lattice check again.\n' : '\nAll checks passed.\n');
  return failed ? 1 : 0;
}

function loadForCheck(path: string, report: (results: CheckResult[]) => void): LatticeConfig | undefined {
  const title = 'config';
  try {
    const config = loadConfigFile(path);
    report([pass(title, path)]);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      report([fail(title, `${path}: ${error.message.replace(error.fix, '').trim()}`, error.fix)]);
    } else {
      const code = (error as NodeJS.ErrnoException).code;
      report([fail(title, `${path} cannot be read: ${code ?? (error as Error).message}`, 'Pass the config file with --config, or create one with lattice generate-config.')]);
    }
    return undefined;
  }
}
