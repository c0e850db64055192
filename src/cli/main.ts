import { parseArgs } from 'node:util';
import { runPortDb } from './port-db.js';
import { runRegisterUser } from './register-user.js';
import { runStart } from './start.js';

const USAGE = `Usage: lattice <command> [options]

Commands:
  start                      Start the homeserver (writes a default lattice.yaml when none exists)
  register-user <localpart>  Create a local password account
      --password <text>        The password (or --password-file <path>; prompted for when absent)
      --admin                  Make the account a server admin
  port-db --sqlite <path> --postgres <url>
                             Copy a SQLite database into an empty PostgreSQL one (server stopped)

Options:
  -c, --config <path>        Config file (default: $LATTICE_CONFIG or ./lattice.yaml)
  -h, --help                 Show this help
`;

async function main(argv: string[]): Promise<number> {
  // port-db takes its own options (--sqlite, --postgres) and no config file.
  if (argv[0] === 'port-db') return runPortDb(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      password: { type: 'string' },
      'password-file': { type: 'string' },
      admin: { type: 'boolean', default: false },
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
      return runStart(configPath);
    case 'register-user':
      return runRegisterUser(configPath, rest[0], {
        password: values.password,
        passwordFile: values['password-file'],
        admin: values.admin === true,
      });
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
    process.exitCode = 1;
  },
);
