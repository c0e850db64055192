import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatSigningKeyFile, generateSigningKey, parseSigningKeyFile, type SigningKey } from './core/signing-key.js';
import type { Logger } from './logging.js';

/** Reads the server's ed25519 signing key, generating one (mode 0600) on first start. */
export function loadOrCreateSigningKey(path: string, logger: Logger): SigningKey {
  if (existsSync(path)) {
    try {
      return parseSigningKeyFile(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`The signing key at ${path} cannot be read: ${(error as Error).message}. Restore it from a backup; a new key would change this server's identity.`);
    }
  }
  mkdirSync(dirname(path), { recursive: true });
  const key = generateSigningKey();
  writeFileSync(path, formatSigningKeyFile(key), { mode: 0o600, flag: 'wx' });
  logger.info({ path, keyId: key.keyId }, 'generated a new signing key');
  return key;
}
