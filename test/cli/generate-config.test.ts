import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadConfigFile } from '../../src/config/load.js';
import { api } from '../support/client.js';
import { NextcloudEmulator } from '../support/nextcloud-emulator.js';
import { freePort } from '../support/server.js';
import { LatticeProcess, runCli, TSX_LOADER } from '../ops/cli-process.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CALLBACK = '_synapse/client/oidc/callback';

describe('lattice generate-config', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lattice-generate-'));
    writeFileSync(join(dir, 'nextcloud-secret'), 'client-secret-value\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const generate = (args: string[], folder = dir) => runCli(['generate-config', ...args], { cwd: folder });

  it('writes a loadable config from flags', async () => {
    const result = await generate([
      '--server-name', 'example.test', '--public-baseurl', 'https://matrix.example.test',
      '--nextcloud-url', 'https://cloud.example.test/', '--client-id', 'ClientId0123', '--client-secret-file', 'nextcloud-secret',
    ]);
    assert.equal(result.code, 0, result.stderr);

    const configPath = join(dir, 'lattice.yaml');
    const config = loadConfigFile(configPath);
    assert.equal(config.server_name, 'example.test');
    assert.equal(config.public_baseurl, 'https://matrix.example.test/');
    assert.deepEqual(config.sso.providers.map((provider) => [provider.type, provider.client_id, provider.client_secret]), [['nextcloud', 'ClientId0123', 'client-secret-value']]);
    assert.equal(typeof config.registration_shared_secret, 'string');
    assert.ok((config.registration_shared_secret ?? '').length >= 32);
    assert.equal(statSync(configPath).mode & 0o777, 0o600);
    assert.ok(existsSync(join(dir, 'data', 'signing.key')));
    assert.equal(statSync(join(dir, 'data', 'registration-secret')).mode & 0o777, 0o600);
  });

  it('prints the exact Nextcloud step', async () => {
    const folder = mkdtempSync(join(dir, 'step-'));
    const result = await generate(['--server-name', 'example.test', '--public-baseurl', 'https://matrix.example.test/'], folder);
    assert.equal(result.code, 0, result.stderr);

    assert.ok(result.stdout.split('\n').includes(`  occ oauth2:add-client Lattice https://matrix.example.test/${CALLBACK}`), result.stdout);
    assert.match(result.stdout, /Administration settings →\nSecurity → OAuth 2\.0 clients/);
    assert.match(result.stdout, new RegExp(`Redirection URI: https://matrix\\.example\\.test/${CALLBACK}`));
    assert.match(result.stdout, /--client-id <identifier> --client-secret-file <file>/);
  });

  it('keeps an existing config', async () => {
    const before = readFileSync(join(dir, 'lattice.yaml'), 'utf8');
    const result = await generate(['--server-name', 'other.test']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /already exists\. Pass --force/);
    assert.equal(readFileSync(join(dir, 'lattice.yaml'), 'utf8'), before);
  });

  it('writes nginx and systemd files', async () => {
    const result = await generate(['--nginx', '--systemd']);
    assert.equal(result.code, 0, result.stderr);

    const nginx = readFileSync(join(dir, 'lattice-nginx.conf'), 'utf8');
    for (const expected of [
      'server_name matrix.example.test;', 'listen 443 ssl http2;', 'ssl_certificate /etc/letsencrypt/live/matrix.example.test/fullchain.pem;',
      'location /_matrix {', 'location /_synapse/client {', 'location /.well-known/matrix/ {', 'location / {',
      'proxy_pass http://127.0.0.1:8008;', 'return 301 https://$host$request_uri;',
      'https://example.test/.well-known/matrix/client',
    ]) {
      assert.ok(nginx.includes(expected), `nginx block lacks ${expected}`);
    }
    const unit = readFileSync(join(dir, 'lattice.service'), 'utf8');
    for (const expected of [
      `ExecStart=${process.execPath} ${ROOT.replace(/\/$/, '')}/bin/lattice.js start --config ${join(dir, 'lattice.yaml')}`,
      'User=lattice', 'NoNewPrivileges=yes', 'ProtectSystem=strict', `ReadWritePaths=${join(dir, 'data')}`, 'ProtectHome=yes',
      'PrivateTmp=yes', 'KillSignal=SIGTERM', 'CapabilityBoundingSet=',
    ]) {
      assert.ok(unit.includes(expected), `unit lacks ${expected}`);
    }
  });

  const hasNginx = spawnSync('nginx', ['-v']).error === undefined;
  it('writes a block nginx accepts', { skip: hasNginx ? false : 'nginx is not installed' }, () => {
    const folder = mkdtempSync(join(dir, 'nginx-'));
    const certificate = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=matrix.example.test',
      '-keyout', join(folder, 'privkey.pem'), '-out', join(folder, 'fullchain.pem'),
    ]);
    assert.equal(certificate.status, 0, String(certificate.stderr));
    const site = readFileSync(join(dir, 'lattice-nginx.conf'), 'utf8').replaceAll('/etc/letsencrypt/live/matrix.example.test', folder);
    writeFileSync(join(folder, 'site.conf'), site);
    writeFileSync(join(folder, 'nginx.conf'), `pid ${folder}/nginx.pid;\nerror_log ${folder}/error.log;\nevents {}\nhttp {\n  access_log off;\n  include ${folder}/site.conf;\n}\n`);

    const tested = spawnSync('nginx', ['-t', '-c', join(folder, 'nginx.conf')], { encoding: 'utf8' });
    assert.equal(tested.status, 0, tested.stderr);
    assert.match(tested.stderr, /syntax is ok/);
  });

  it('writes a PostgreSQL database URL', async () => {
    const folder = mkdtempSync(join(dir, 'pg-'));
    const result = await generate(['--server-name', 'example.test', '--database', 'postgres://lattice@127.0.0.1/lattice'], folder);
    assert.equal(result.code, 0, result.stderr);
    const config = loadConfigFile(join(folder, 'lattice.yaml'));
    assert.equal(config.database.type, 'postgres');
  });

  const rejected = [
    { name: 'a missing server name', args: [], message: /Missing --server-name/ },
    { name: 'an invalid server name', args: ['--server-name', 'not a name'], message: /not a valid server name/ },
    { name: 'a client id without secret', args: ['--server-name', 'example.test', '--nextcloud-url', 'https://cloud.example.test', '--client-id', 'x'], message: /--client-secret-file/ },
    { name: 'a missing secret file', args: ['--server-name', 'example.test', '--nextcloud-url', 'https://cloud.example.test', '--client-id', 'x', '--client-secret-file', 'absent'], message: /client_secret_path.*nothing was written|nothing was written.*client_secret_path/ },
    { name: 'a relative base URL', args: ['--server-name', 'example.test', '--public-baseurl', 'matrix.example.test'], message: /not an http:\/\/ or https:\/\/ URL/ },
  ];
  for (const testCase of rejected) {
    it(`rejects ${testCase.name}`, async () => {
      const folder = mkdtempSync(join(dir, 'bad-'));
      const result = await generate(testCase.args, folder);
      assert.equal(result.code, 1);
      assert.match(result.stderr, testCase.message);
      assert.ok(!existsSync(join(folder, 'lattice.yaml')));
    });
  }

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it('asks for missing values in a terminal', { skip: hasScript ? false : 'util-linux script is not installed' }, () => {
    const folder = mkdtempSync(join(dir, 'tty-'));
    writeFileSync(join(folder, 'secret'), 'typed-secret\n');
    const answers = ['example.test', '', 'https://cloud.example.test', 'TypedClient', './secret', ''].join('\n');
    const command = `${process.execPath} --import ${TSX_LOADER} ${join(ROOT, 'src/cli/main.ts')} generate-config`;
    // script(1) gives the command a terminal, so it prompts as it would for an operator.
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: folder, input: `${answers}\n`, encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, result.stdout);
    assert.match(result.stdout, /Server name, the domain in user ids/);

    const config = loadConfigFile(join(folder, 'lattice.yaml'));
    assert.equal(config.server_name, 'example.test');
    assert.equal(config.public_baseurl, 'https://matrix.example.test/');
    assert.equal(config.sso.providers[0]?.client_id, 'TypedClient');
    assert.equal(config.sso.providers[0]?.client_secret, 'typed-secret');
  });
});

describe('generated config in use', () => {
  let dir: string;
  let emulator: NextcloudEmulator;
  let lattice: LatticeProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lattice-generated-'));
    emulator = await NextcloudEmulator.start();
  });
  after(async () => {
    lattice?.kill();
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts and passes lattice check', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const baseurl = `http://127.0.0.1:${port}/`;
    const client = emulator.addClient({ name: 'Lattice', redirectUri: `${baseurl}${CALLBACK}` });
    writeFileSync(join(dir, 'nextcloud-secret'), `${client.clientSecret}\n`);
    const generated = await runCli([
      'generate-config', '--server-name', 'localhost', '--public-baseurl', baseurl, '--nextcloud-url', emulator.baseUrl,
      '--client-id', client.clientId, '--client-secret-file', 'nextcloud-secret',
    ], { cwd: dir });
    assert.equal(generated.code, 0, generated.stderr);
    assert.ok(generated.stdout.includes(`occ oauth2:add-client Lattice ${baseurl}${CALLBACK}`));

    // The one edit an operator makes here: the port, since 8008 may be taken on a test machine.
    const configPath = join(dir, 'lattice.yaml');
    const config = parseYaml(readFileSync(configPath, 'utf8')) as Record<string, any>;
    writeFileSync(configPath, toYaml({ ...config, listen: { ...config.listen, port } }));
    lattice = LatticeProcess.spawn(configPath);
    await lattice.waitForLine('"lattice started"');

    const checked = await runCli(['check', '--config', configPath]);
    assert.equal(checked.code, 0, checked.stdout);
    assert.match(checked.stdout, /All checks passed/);
    const health = await api(`http://127.0.0.1:${port}`, 'GET', '/health');
    assert.equal(health.status, 200);

    lattice.signal('SIGTERM');
    assert.equal(await lattice.exitCode(), 0);
  });
});
