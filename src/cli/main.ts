import { parseArgs } from 'node:util';

// Each command's module is imported when that command runs, so `lattice start` does not load the
// code of the other commands, nor pg for port-db.

const USAGE = `Usage: lattice <command> [options]

Commands:
  start                      Start the homeserver (writes a default lattice.yaml when none exists)
  generate-config            Write lattice.yaml, a signing key and a registration secret; asks for
                             missing values when run in a terminal
      --server-name <name>     The domain in user ids, such as example.com
      --public-baseurl <url>   The URL clients and Nextcloud reach this server at
      --nextcloud-url <url>    Nextcloud's base URL, including any web root
      --client-id <id>         The OAuth2 client identifier Nextcloud showed
      --client-secret-file <path>  A file holding the OAuth2 client secret
      --database <path|url>    SQLite file (default ./data/lattice.db) or a postgres:// URL
      --output <path>          Where to write the config (default ./lattice.yaml)
      --nginx                  Also write lattice-nginx.conf, an nginx server block
      --systemd                Also write lattice.service, a systemd unit
      --force                  Replace an existing config
  check                      Check the config, database, discovery and Nextcloud set-up; each
                             line passes or fails with its fix
  register-user <localpart>  Create a local password account
      --password <text>        The password (or --password-file <path>; prompted for when absent)
      --admin                  Make the account a server admin
  port-db --sqlite <path> --postgres <url>
                             Copy a SQLite database into an empty PostgreSQL one (server stopped)
  sync-directory             Read every account mapped to a Nextcloud provider with provisioning
                             set once, apply the changes and print them

Options:
  -c, --config <path>        Config file (default: $LATTICE_CONFIG or ./lattice.yaml)
  -h, --help                 Show this help
`;

async function main(argv: string[]): Promise<number> {
  // port-db takes its own options (--sqlite, --postgres) and no config file.
  if (argv[0] === 'port-db') return (await import('./port-db.js')).runPortDb(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      password: { type: 'string' },
      'password-file': { type: 'string' },
      admin: { type: 'boolean', default: false },
      'server-name': { type: 'string' },
      'public-baseurl': { type: 'string' },
      'nextcloud-url': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret-file': { type: 'string' },
      database: { type: 'string' },
      output: { type: 'string', short: 'o' },
      nginx: { type: 'boolean', default: false },
      systemd: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 1;
  }
  const configPath = values.config ?? process.env.LATTICE_CONFIG ?? 'lattice.yaml';

  switch (command) {
    case 'start':
      return (await import('./start.js')).runStart(configPath);
    case 'check':
      return (await import('./check/index.js')).runCheck(configPath);
    case 'generate-config':
      return (await import('./generate-config.js')).runGenerateConfig({
        serverName: values['server-name'],
        publicBaseurl: values['public-baseurl'],
        nextcloudUrl: values['nextcloud-url'],
        clientId: values['client-id'],
        clientSecretFile: values['client-secret-file'],
        database: values.database,
        output: values.output ?? values.config,
        nginx: values.nginx === true,
        systemd: values.systemd === true,
        force: values.force === true,
      });
    case 'register-user':
      return (await import('./register-user.js')).runRegisterUser(configPath, rest[0], {
        password: values.password,
        passwordFile: values['password-file'],
        admin: values.admin === true,
      });
    case 'sync-directory':
      return (await import('./sync-directory.js')).runSyncDirectory(configPath);
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`lattice: ${error instanceof Error ? error.message : String(error)}\n`);
    // A start that failed halfway, such as a metrics port already in use, can leave the API
    // listener open, which would keep the process alive; a fatal error must end it.
    process.exit(1);
  },
);
