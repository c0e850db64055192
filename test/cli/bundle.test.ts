import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { api, passwordLogin } from '../support/client.js';
import { NextcloudEmulator } from '../support/nextcloud-emulator.js';
import { freePort } from '../support/server.js';
import { SsoBrowser, signInThroughNextcloud } from '../support/sso-browser.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CALLBACK = '_synapse/client/oidc/callback';
// The client app the sign-in returns to; nothing listens there, because the walk stops before it.
const CLIENT_ORIGIN = 'http://127.0.0.1:9';

interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a node script to its end and collects its output. */
async function runNode(args: string[], cwd: string): Promise<ProcessResult> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

// Builds the bundle as `npm run build` does, into a folder laid out like an installation, and runs
// every step through the bundled CLI, so a package that breaks when bundled fails here.
describe('bundled build', { timeout: 240_000 }, () => {
  let dir: string;
  let runDir: string;
  let configPath: string;
  let baseUrl: string;
  let metricsUrl: string;
  let emulator: NextcloudEmulator;
  let server: ChildProcess | undefined;
  let serverOutput = '';

  const lattice = (args: string[]) => runNode([join(dir, 'bin/lattice.js'), ...args], runDir);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lattice-bundle-'));
    const build = await runNode([join(ROOT, 'scripts/build.mjs'), '--outdir', join(dir, 'dist/bundle')], ROOT);
    assert.equal(build.code, 0, build.stderr);
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(ROOT, 'bin/lattice.js'), join(dir, 'bin/lattice.js'));
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    // The packages the build leaves external (better-sqlite3, sharp, pino) load from here.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');

    runDir = join(dir, 'run');
    mkdirSync(runDir);
    const port = await freePort();
    const metricsPort = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;

    emulator = await NextcloudEmulator.start();
    emulator.addUser({ id: 'carol', password: 'carol-password', displayName: 'Carol Example' });
    const client = emulator.addClient({ name: 'Lattice', redirectUri: `${baseUrl}/${CALLBACK}` });
    writeFileSync(join(runDir, 'nextcloud-secret'), `${client.clientSecret}\n`);
    const generated = await lattice([
      'generate-config', '--server-name', 'localhost', '--public-baseurl', `${baseUrl}/`, '--nextcloud-url', emulator.baseUrl,
      '--client-id', client.clientId, '--client-secret-file', 'nextcloud-secret',
    ]);
    assert.equal(generated.code, 0, generated.stderr);

    // A stand-in for Element Web, to check that @fastify/static serves it from the bundle.
    mkdirSync(join(runDir, 'element'));
    writeFileSync(join(runDir, 'element/index.html'), '<!doctype html><title>Element stand-in</title>');

    configPath = join(runDir, 'lattice.yaml');
    const config = parseYaml(readFileSync(configPath, 'utf8')) as Record<string, Record<string, unknown>>;
    config.listen = { ...config.listen, host: '127.0.0.1', port };
    config.metrics = { ...config.metrics, enabled: true, host: '127.0.0.1', port: metricsPort };
    config.sso = { ...config.sso, client_allowlist: [`${CLIENT_ORIGIN}/`] };
    config.web_client = { path: './element' };
    writeFileSync(configPath, toYaml(config));

    server = spawn(process.execPath, [join(dir, 'bin/lattice.js'), 'start', '--config', configPath], {
      cwd: runDir,
      env: { ...process.env, LATTICE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    await waitForVersions();
  });

  after(async () => {
    if (server && server.exitCode === null) {
      const closed = new Promise((resolve) => server?.once('close', resolve));
      server.kill('SIGTERM');
      await closed;
    }
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function waitForVersions(): Promise<void> {
    for (;;) {
      if (server?.exitCode !== null) throw new Error(`the bundled server exited with code ${server?.exitCode}:\n${serverOutput}`);
      try {
        if ((await fetch(`${baseUrl}/_matrix/client/versions`)).status === 200) return;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
  }

  it('serves /versions', async () => {
    const response = await api<{ versions: string[] }>(baseUrl, 'GET', '/_matrix/client/versions');
    assert.equal(response.status, 200);
    assert.ok(response.body.versions.includes('v1.11'), JSON.stringify(response.body));
  });

  it('reports the package.json version', async () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const response = await api<{ server_version: string }>(baseUrl, 'GET', '/_synapse/admin/v1/server_version');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.server_version, `lattice/${manifest.version}`);
  });

  it('registers a user and thumbnails an upload', async () => {
    const registered = await lattice(['register-user', 'alice', '--password', 'bundle-password-1', '--config', configPath]);
    assert.equal(registered.code, 0, registered.stderr);
    const { token } = await passwordLogin(baseUrl, 'alice', 'bundle-password-1');

    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#3060c0' } }).png().toBuffer();
    const upload = await fetch(`${baseUrl}/_matrix/media/v3/upload?filename=square.png`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
      body: png,
    });
    assert.equal(upload.status, 200, await upload.clone().text());
    const { content_uri: contentUri } = (await upload.json()) as { content_uri: string };
    const mediaId = contentUri.split('/').pop() ?? '';

    const thumbnail = await fetch(`${baseUrl}/_matrix/client/v1/media/thumbnail/localhost/${mediaId}?width=320&height=240&method=scale`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(thumbnail.status, 200, await thumbnail.clone().text());
    const metadata = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    assert.equal(metadata.format, 'png');
    assert.equal(metadata.width, 320);
    assert.equal(metadata.height, 240);
  });

  it('signs in through Nextcloud', async () => {
    const start = `${baseUrl}/_matrix/client/v3/login/sso/redirect?redirectUrl=${encodeURIComponent(`${CLIENT_ORIGIN}/app/`)}`;
    const result = await signInThroughNextcloud(new SsoBrowser(), start, { user: 'carol', password: 'carol-password' }, { stopAtOrigin: CLIENT_ORIGIN });
    const token = new URL(result.finalUrl).searchParams.get('loginToken');
    assert.ok(token, `no loginToken in ${result.status} ${result.finalUrl}\n${result.body}`);

    const login = await api<{ user_id: string }>(baseUrl, 'POST', '/_matrix/client/v3/login', { body: { type: 'm.login.token', token } });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(login.body.user_id, '@carol:localhost');
  });

  it('hosts the web client', async () => {
    const page = await fetch(`${baseUrl}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Element stand-in/);

    const config = await api<Record<string, unknown>>(baseUrl, 'GET', '/config.json');
    assert.equal(config.status, 200);
    assert.equal(typeof config.body.default_server_config, 'object');
  });

  // Chunks of modules that load on first use (OIDC sign-in, PostgreSQL) are not reached above, so
  // each one is imported once to check that it links against its external packages.
  it('links every chunk', async () => {
    const chunks = readdirSync(join(dir, 'dist/bundle')).filter((name) => name.endsWith('.js') && name !== 'main.js');
    assert.ok(chunks.length > 5, chunks.join(', '));
    const script = `for (const name of ${JSON.stringify(chunks)}) await import('./dist/bundle/' + name);`;
    const result = await runNode(['--input-type=module', '--eval', script], dir);
    assert.equal(result.code, 0, result.stderr);
  });

  it('serves metrics', async () => {
    const response = await fetch(metricsUrl);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /^lattice_process_cpu_user_seconds_total /m);
  });

  it('passes lattice check', async () => {
    const result = await lattice(['check', '--config', configPath]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^PASS {2}database reachable/m);
  });

  it('loads the remaining commands', async () => {
    const portDb = await lattice(['port-db']);
    assert.equal(portDb.code, 1);
    assert.match(portDb.stderr + portDb.stdout, /Usage: lattice port-db/);

    const syncDirectory = await lattice(['sync-directory', '--config', configPath]);
    assert.equal(syncDirectory.code, 1);
    assert.match(syncDirectory.stderr + syncDirectory.stdout, /No Nextcloud provider has "provisioning" set/);
  });
});
