import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../config/errors.js';
import { parseConfig } from '../config/load.js';
import type { LatticeConfig } from '../config/schema.js';
import { configText } from '../config/template.js';
import { isValidServerName } from '../core/identifiers.js';
import { createLogger } from '../logging.js';
import { loadOrCreateSigningKey } from '../signing-key-file.js';
import { loadConfigOrExit } from './config-file.js';
import { nginxServerBlock, systemdUnit } from './deploy-files.js';
import { Prompter } from './prompt.js';

export interface GenerateConfigFlags {
  serverName?: string;
  publicBaseurl?: string;
  nextcloudUrl?: string;
  clientId?: string;
  clientSecretFile?: string;
  database?: string;
  output?: string;
  nginx: boolean;
  systemd: boolean;
  force: boolean;
}

interface Answers {
  serverName: string;
  publicBaseurl: string;
  nextcloudUrl?: string;
  clientId?: string;
  clientSecretFile?: string;
  database: string;
}

// The Lattice installation: two levels up from src/cli or from the bundle in dist/bundle.
const INSTALL_DIR = resolve(new URL('../..', import.meta.url).pathname);
const CALLBACK_PATH = '_synapse/client/oidc/callback';

/**
 * `lattice generate-config`: writes lattice.yaml, the signing key and a registration secret, and
 * prints the Nextcloud step. Missing values are asked for when stdin is a terminal. With an
 * existing config and --nginx or --systemd, writes only those files from that config.
 */
export async function runGenerateConfig(flags: GenerateConfigFlags): Promise<number> {
  const outputPath = resolve(flags.output ?? 'lattice.yaml');
  if (existsSync(outputPath) && !flags.force) {
    if (!flags.nginx && !flags.systemd) {
      process.stderr.write(`${outputPath} already exists. Pass --force to replace it, or only --nginx and --systemd to write those files from it.\n`);
      return 1;
    }
    const existing = loadConfigOrExit(outputPath);
    if (!existing) return 1;
    writeDeployFiles(existing, outputPath, flags);
    return 0;
  }

  const answers = await gatherAnswers(flags);
  if (typeof answers === 'string') {
    process.stderr.write(`${answers}\n`);
    return 1;
  }
  const configDir = dirname(outputPath);
  const config = writeConfig(answers, outputPath);
  if (!config) return 1;
  loadOrCreateSigningKey(config.signing_key_path, createLogger({ level: 'silent', pretty: false }));
  process.stdout.write(`Wrote ${outputPath}\nSigning key: ${config.signing_key_path}\n`);
  writeDeployFiles(config, outputPath, flags);
  process.stdout.write(nextSteps(answers, config, configDir, outputPath));
  return 0;
}

/** Reads values from the flags and, on a terminal, prompts for the rest. Returns an error message when a value is missing or invalid. */
async function gatherAnswers(flags: GenerateConfigFlags): Promise<Answers | string> {
  const interactive = process.stdin.isTTY === true;
  const prompter = interactive ? new Prompter() : undefined;
  try {
    const serverName = flags.serverName ?? (await prompter?.ask('Server name, the domain in user ids such as @alice:example.com'));
    if (!serverName) return 'Missing --server-name, the domain in user ids (such as example.com).';
    if (!isValidServerName(serverName)) return `"${serverName}" is not a valid server name; use a DNS name such as example.com, with an optional port.`;

    const publicBaseurl = flags.publicBaseurl ?? (await prompter?.ask('Public base URL that clients and Nextcloud reach', `https://matrix.${serverName}/`)) ?? `https://${serverName}/`;
    const nextcloudUrl = flags.nextcloudUrl ?? ((await prompter?.ask('Nextcloud URL, including any web root (empty to skip)', '')) || undefined);
    let clientId = flags.clientId;
    let clientSecretFile = flags.clientSecretFile;
    if (nextcloudUrl && prompter && clientId === undefined) {
      clientId = (await prompter.ask('OAuth2 client identifier from Nextcloud (empty if not registered yet)', '')) || undefined;
      if (clientId && clientSecretFile === undefined) {
        clientSecretFile = (await prompter.ask('File holding the OAuth2 client secret', './data/nextcloud-client-secret')) || undefined;
      }
    }
    const database = flags.database ?? (await prompter?.ask('SQLite database file, or a postgres:// URL', './data/lattice.db')) ?? './data/lattice.db';
    return checkAnswers({ serverName, publicBaseurl: withSlash(publicBaseurl), nextcloudUrl, clientId, clientSecretFile, database });
  } finally {
    prompter?.close();
  }
}

function checkAnswers(answers: Answers): Answers | string {
  for (const [flag, value] of [['--public-baseurl', answers.publicBaseurl], ['--nextcloud-url', answers.nextcloudUrl]] as const) {
    if (value !== undefined && !/^https?:\/\/[^/]+/.test(value)) return `${flag} "${value}" is not an http:// or https:// URL.`;
  }
  if (answers.clientId !== undefined && answers.nextcloudUrl === undefined) return '--client-id needs --nextcloud-url.';
  if (answers.clientId !== undefined && answers.clientSecretFile === undefined) return '--client-id needs --client-secret-file, a file holding the client secret.';
  return { ...answers, nextcloudUrl: answers.nextcloudUrl?.replace(/\/+$/, '') };
}

/** Validates the generated text as `lattice start` would, then writes it with the registration secret; undefined after printing why it failed. */
function writeConfig(answers: Answers, outputPath: string): LatticeConfig | undefined {
  const configDir = dirname(outputPath);
  const secretPath = join(configDir, 'data', 'registration-secret');
  if (!existsSync(secretPath)) {
    mkdirSync(dirname(secretPath), { recursive: true });
    writeFileSync(secretPath, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  }
  const text = configText({
    serverName: answers.serverName,
    publicBaseurl: answers.publicBaseurl,
    port: 8008,
    databasePath: answers.database,
    registrationSecretPath: './data/registration-secret',
    nextcloud: answers.nextcloudUrl && answers.clientId && answers.clientSecretFile
      ? { url: answers.nextcloudUrl, clientId: answers.clientId, clientSecretPath: pathFrom(configDir, answers.clientSecretFile) }
      : undefined,
  });
  let config: LatticeConfig;
  try {
    config = parseConfig(parseYaml(text), configDir);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`The configuration would be invalid, so nothing was written: ${error.message}\n`);
    return undefined;
  }
  // The file may hold a database password, so only its owner may read it.
  writeFileSync(outputPath, text, { mode: 0o600 });
  return config;
}

function writeDeployFiles(config: LatticeConfig, configPath: string, flags: GenerateConfigFlags): void {
  const dir = dirname(configPath);
  if (flags.nginx) {
    const path = join(dir, 'lattice-nginx.conf');
    writeFileSync(path, nginxServerBlock({
      publicHost: new URL(config.public_baseurl).hostname,
      serverName: config.server_name.replace(/:\d+$/, ''),
      upstream: `${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${config.listen.port}`,
      maxBodyBytes: Math.max(config.max_request_size, config.max_upload_size),
    }));
    process.stdout.write(`Wrote ${path}\n`);
  }
  if (flags.systemd) {
    // systemd refuses to start a unit whose ReadWritePaths folder is missing, and Lattice would only
    // create the media folder at its first start, so every writable folder is created now.
    for (const folder of writablePaths(config)) mkdirSync(folder, { recursive: true });
    const path = join(dir, 'lattice.service');
    writeFileSync(path, systemdUnit({
      installDir: INSTALL_DIR,
      configPath: resolve(configPath),
      writablePaths: writablePaths(config),
      user: 'lattice',
      nodePath: process.execPath,
    }));
    process.stdout.write(`Wrote ${path}\n`);
  }
}

function writablePaths(config: LatticeConfig): string[] {
  const paths = new Set<string>([dirname(config.signing_key_path)]);
  if (config.database.type === 'sqlite') paths.add(dirname(config.database.path));
  if (config.media_store_path) paths.add(config.media_store_path);
  return [...paths];
}

/** Formats the steps after generation, with the exact Nextcloud registration command. */
function nextSteps(answers: Answers, config: LatticeConfig, configDir: string, outputPath: string): string {
  const callback = `${config.public_baseurl}${CALLBACK_PATH}`;
  const lines = [
    '',
    'Register Lattice as an OAuth2 client in Nextcloud. In the Nextcloud folder, as the web server user',
    '(for example: sudo -u www-data php occ ...), run:',
    '',
    `  occ oauth2:add-client Lattice ${callback}`,
    '',
    'Older Nextcloud releases have no oauth2:add-client command. There, open Administration settings →',
    'Security → OAuth 2.0 clients, and add a client with:',
    '  Name: Lattice',
    `  Redirection URI: ${callback}`,
    '',
  ];
  if (answers.clientId === undefined) {
    lines.push(
      'Nextcloud then shows a client identifier and a secret. Save the secret in a file, then run again:',
      `  lattice generate-config --force --output ${outputPath} --server-name ${answers.serverName} --public-baseurl ${config.public_baseurl} \\`,
      `    --nextcloud-url ${answers.nextcloudUrl ?? '<Nextcloud URL>'} --client-id <identifier> --client-secret-file <file>`,
      '',
    );
  }
  lines.push(
    `Shared-secret registration (synadm, register_new_matrix_user) uses ${join(configDir, 'data', 'registration-secret')}.`,
    'Next:',
    `  lattice check --config ${outputPath}     (finds setup mistakes)`,
    `  lattice start --config ${outputPath}`,
    '',
  );
  return lines.join('\n');
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Converts a path given relative to the working folder into one relative to the config folder. */
function pathFrom(configDir: string, path: string): string {
  return isAbsolute(path) ? path : relative(configDir, resolve(path)) || '.';
}
