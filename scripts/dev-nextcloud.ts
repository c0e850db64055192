// Starts the Nextcloud emulator from the test suite as a stand-in Nextcloud, so Lattice's sign-in
// can be tried without a Nextcloud server. It behaves like Nextcloud 34's OAuth2 app and keeps
// nothing after it stops.
import { parseArgs } from 'node:util';
import { NextcloudEmulator } from '../test/support/nextcloud-emulator.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    callback: { type: 'string', default: 'http://localhost:8008/_synapse/client/oidc/callback' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write('Usage: npm run dev:nextcloud -- [--port 8080] [--callback http://localhost:8008/_synapse/client/oidc/callback]\n');
  process.exit(0);
}

// Fixed client credentials, so the provider block printed below stays valid across restarts.
const CLIENT_ID = 'LatticeDevelopmentClient0123456789012345678901234567890123456789';
const CLIENT_SECRET = 'LatticeDevelopmentSecret123456789012345678901234567890123456789';
const USERS = [
  { id: 'alice', password: 'alice-password', displayName: 'Alice Example', email: 'alice@example.test' },
  { id: 'Bob Smith', password: 'bob-password', displayName: 'Bob Smith', email: null },
];

const emulator = await NextcloudEmulator.start({ port: Number(values.port) });
for (const user of USERS) emulator.addUser(user);
emulator.addClient({ name: 'Lattice', redirectUri: values.callback ?? '', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });

process.stdout.write(`Stand-in Nextcloud listening at ${emulator.baseUrl}
Users: ${USERS.map((user) => `"${user.id}" (password ${user.password})`).join(', ')}

In lattice.yaml, replace \`providers: []\` under \`sso:\` with this list, then restart Lattice:

  providers:
    - id: nextcloud
      name: Nextcloud
      type: nextcloud
      url: ${emulator.baseUrl}
      client_id: ${CLIENT_ID}
      client_secret: ${CLIENT_SECRET}

Press Ctrl-C to stop.
`);

const stop = () => {
  void emulator.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
