import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { AccountService } from '../identity/accounts.js';
import { passwordPolicyViolation } from '../identity/password-policy.js';
import { createLogger } from '../logging.js';
import { migrateToLatest, openDatabase } from '../storage/database.js';
import { openStorage, verifyServerName } from '../storage/index.js';
import { loadConfigOrExit } from './config-file.js';

export interface RegisterUserOptions {
  password?: string;
  passwordFile?: string;
  admin: boolean;
}

/** `lattice register-user`: creates a local password account directly in the database. */
export async function runRegisterUser(configPath: string, localpart: string | undefined, options: RegisterUserOptions): Promise<number> {
  if (!localpart) {
    process.stderr.write('Usage: lattice register-user <localpart> [--password <text> | --password-file <path>] [--admin]\n');
    return 1;
  }
  const config = loadConfigOrExit(configPath);
  if (!config) return 1;
  const password = await readPassword(options);
  const violation = passwordPolicyViolation(password);
  if (violation !== undefined) {
    process.stderr.write(`${violation} Give it with --password, --password-file, on standard input or at the prompt.\n`);
    return 1;
  }

  const logger = createLogger({ level: 'warn', pretty: false });
  const db = await openDatabase(config.database);
  try {
    await verifyServerName(db, config.server_name);
    await migrateToLatest(db, logger);
    const storage = openStorage(db);
    await storage.checkServerName(config.server_name);
    const accounts = new AccountService({ users: storage.users, devices: storage.devices, serverName: config.server_name, logger });
    const userId = await accounts.registerLocalUser(localpart, password, options.admin);
    process.stdout.write(`Created ${userId}${options.admin ? ' (server admin)' : ''}.\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`Could not create the user: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await db.destroy();
  }
}

async function readPassword(options: RegisterUserOptions): Promise<string> {
  if (options.password !== undefined) return options.password;
  if (options.passwordFile !== undefined) return readFileSync(options.passwordFile, 'utf8').replace(/\r?\n$/, '');
  if (!process.stdin.isTTY) return readFirstLine(process.stdin);
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await prompt.question('Password: ');
  } finally {
    prompt.close();
  }
}

/** Reads a piped password; an empty input yields '' so the length check reports it. */
async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) text += chunk.toString();
  return text.split(/\r?\n/)[0] ?? '';
}
