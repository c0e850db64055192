import { existsSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';
import { loadConfigFile } from '../config/load.js';
import type { LatticeConfig } from '../config/schema.js';
import { defaultConfigText } from '../config/template.js';

/** Loads the config, printing a ConfigError as one readable line instead of a stack trace. */
export function loadConfigOrExit(path: string): LatticeConfig | undefined {
  try {
    return loadConfigFile(path);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${path}: ${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

/** Writes the default config for `localhost` when the file does not exist; returns whether it did. */
export function writeDefaultConfigIfMissing(path: string): boolean {
  if (existsSync(path)) return false;
  writeFileSync(path, defaultConfigText('localhost', 8008), { flag: 'wx' });
  return true;
}
