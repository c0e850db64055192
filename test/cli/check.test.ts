import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { describeCallbackMismatch } from '../../src/cli/check/callback-uri.js';
import { checkClock } from '../../src/cli/check/nextcloud-checks.js';
import { NextcloudEmulator } from '../support/nextcloud-emulator.js';
import { freePort, TestServer } from '../support/server.js';
import { runCli, type CliResult } from '../ops/cli-process.js';
import { FakeFront } from './fake-http.js';

const CALLBACK = '/_synapse/client/oidc/callback';

/** Returns the output line that starts with the status and contains the title, or undefined. */
function line(result: CliResult, status: 'PASS' | 'FAIL' | 'WARN' | 'SKIP', title: string): string | undefined {
  const lines = result.stdout.split('\n');
  const index = lines.findIndex((text) => text.startsWith(`${status}  `) && text.includes(title));
  if (index < 0) return undefined;
  const next = lines[index + 1] ?? '';
  return next.startsWith('      fix: ') ? `${lines[index]}\n${next}` : lines[index];
}

function assertFailure(result: CliResult, title: string, detail: RegExp, fix: RegExp): void {
  const found = line(result, 'FAIL', title);
  assert.ok(found, `no FAIL line for "${title}" in:\n${result.stdout}${result.stderr}`);
  assert.match(found, detail);
  assert.match(found, fix);
  assert.equal(result.code, 1);
}

describe('lattice check', () => {
  let emulator: NextcloudEmulator;
  let server: TestServer;
  let baseConfig: Record<string, any>;
  let provider: Record<string, unknown>;
  let configCount = 0;

  before(async () => {
    emulator = await NextcloudEmulator.start();
    const port = await freePort();
    const client = emulator.addClient({ name: 'Lattice', redirectUri: `http://127.0.0.1:${port}${CALLBACK}` });
    provider = { id: 'nextcloud', type: 'nextcloud', url: emulator.baseUrl, client_id: client.clientId, client_secret: client.clientSecret };
    server = await TestServer.start({ port, config: { sso: { providers: [provider] } } });
    baseConfig = parseYaml(readFileSync(server.configPath, 'utf8')) as Record<string, any>;
  });

  after(async () => {
    await server.dispose();
    await emulator.stop();
  });

  /** Runs `lattice check` on the server's config with the given top-level keys replaced. */
  async function checkWith(changes: Record<string, unknown> = {}): Promise<CliResult> {
    configCount += 1;
    const path = join(server.dataDir, `check-${configCount}.yaml`);
    writeFileSync(path, toYaml({ ...baseConfig, ...changes }));
    return runCli(['check', '--config', path]);
  }

  const withProvider = (changes: Record<string, unknown>) => ({ sso: { providers: [{ ...provider, ...changes }] } });

  it('passes a good set-up', async () => {
    const result = await checkWith();

    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout, /^(FAIL|WARN|SKIP) /m);
    for (const title of [
      'config', 'signing key', 'database reachable and belonging to this server_name',
      '/.well-known/matrix/client through public_baseurl', '/.well-known/matrix/server through public_baseurl',
      'Nextcloud "nextcloud" authorize page', 'Nextcloud "nextcloud" callback URI as registered',
      'Nextcloud "nextcloud" token endpoint', 'Nextcloud "nextcloud" OCS user endpoint', 'clock against Nextcloud "nextcloud"',
    ]) {
      assert.ok(line(result, 'PASS', title), `no PASS line for "${title}" in:\n${result.stdout}`);
    }
    assert.match(result.stdout, /All checks passed/);
    assert.ok(!result.stdout.includes(String(provider.client_secret)));
  });

  it('fails an invalid config', async () => {
    const result = await checkWith({ listen: { port: 'eighty' } });
    assertFailure(result, 'config', /listen\.port/, /fix: Use a whole number/);
  });

  it('fails a missing config file', async () => {
    const result = await runCli(['check', '--config', join(server.dataDir, 'absent.yaml')]);
    assertFailure(result, 'config', /cannot be read: ENOENT/, /lattice generate-config/);
  });

  it('fails a database of another server', async () => {
    const result = await checkWith({ server_name: 'other.test' });
    assertFailure(result, 'database reachable', /belongs to "localhost", the config sets "other\.test"/, /Set server_name back to "localhost"/);
  });

  it('fails when public_baseurl is not served', async () => {
    const closedPort = await freePort();
    const result = await checkWith({ public_baseurl: `http://127.0.0.1:${closedPort}/` });
    assertFailure(result, '/.well-known/matrix/client', /cannot be fetched: ECONNREFUSED/, /reverse proxy forward \/\.well-known\/matrix\//);
  });

  it('fails well-known documents of another server', async () => {
    const front = await FakeFront.start({
      answer: (request) => {
        if (request.url === '/.well-known/matrix/client') return { status: 200, body: JSON.stringify({ 'm.homeserver': { base_url: 'https://old.example.test' } }) };
        if (request.url === '/.well-known/matrix/server') return { status: 200, body: JSON.stringify({ 'm.server': 'old.example.test:443' }) };
        return undefined;
      },
    });
    try {
      const result = await checkWith({ public_baseurl: `${front.baseUrl}/` });
      assertFailure(result, '/.well-known/matrix/client', /names "https:\/\/old\.example\.test"/, /fix: Another server or a static file/);
      assertFailure(result, '/.well-known/matrix/server', /names "old\.example\.test:443", the config implies "localhost:8448"/, /fix:/);
    } finally {
      await front.stop();
    }
  });

  it('fails an unreachable Nextcloud', async () => {
    const closedPort = await freePort();
    const result = await checkWith(withProvider({ url: `http://127.0.0.1:${closedPort}` }));
    assertFailure(result, 'authorize page', /cannot be reached: ECONNREFUSED/, /Check sso\.providers\[0\]\.url/);
    assert.ok(line(result, 'SKIP', 'callback URI, token and OCS endpoints, clock'));
  });

  it('fails a wrong Nextcloud path', async () => {
    const result = await checkWith(withProvider({ url: `${emulator.baseUrl}/nextcloud` }));
    assertFailure(result, 'authorize page', /answered HTTP 404/, /including any web root/);
  });

  it('fails an unknown client id', async () => {
    const result = await checkWith(withProvider({ client_id: 'NotRegistered0123456789' }));
    assertFailure(result, 'authorize page', /does not know client_id "NotRegistered0123456789"/, /occ oauth2:add-client/);
    assert.ok(line(result, 'SKIP', 'callback URI as registered'));
  });

  const callbackCases = [
    { name: 'https instead of http', uri: (port: number) => `https://127.0.0.1:${port}${CALLBACK}`, detail: /registered with https:\/\/ but public_baseurl uses http:\/\// },
    { name: 'a trailing slash', uri: (port: number) => `http://127.0.0.1:${port}${CALLBACK}/`, detail: /only in a trailing slash/ },
    { name: 'the pre-1.27 path', uri: (port: number) => `http://127.0.0.1:${port}/_synapse/oidc/callback`, detail: /path of Synapse before 1\.27/ },
    { name: 'another host', uri: () => `http://127.0.0.1:9${CALLBACK}`, detail: /registered for 127\.0\.0\.1:9, but public_baseurl is on 127\.0\.0\.1:\d+/ },
  ];
  for (const testCase of callbackCases) {
    it(`fails a callback with ${testCase.name}`, async () => {
      const client = emulator.addClient({ name: `Lattice ${testCase.name}`, redirectUri: testCase.uri(server.port) });
      const result = await checkWith(withProvider({ client_id: client.clientId, client_secret: client.clientSecret }));
      assertFailure(result, 'callback URI as registered', testCase.detail, new RegExp(`occ oauth2:add-client Lattice http://127\\.0\\.0\\.1:${server.port}${CALLBACK}`));
    });
  }

  it('fails a token endpoint the web server answers', async () => {
    const front = await FakeFront.start({
      target: emulator.baseUrl,
      answer: (request) => (request.url?.startsWith('/index.php/apps/oauth2/api/v1/token') ? { status: 404, body: '<html>Not Found</html>' } : undefined),
    });
    try {
      const result = await checkWith(withProvider({ url: front.baseUrl }));
      assertFailure(result, 'token endpoint', /HTTP 404 without an OAuth error/, /api\/v1\/token to Nextcloud/);
      assert.ok(line(result, 'PASS', 'authorize page'));
    } finally {
      await front.stop();
    }
  });

  it('fails an OCS endpoint without authentication', async () => {
    const front = await FakeFront.start({
      target: emulator.baseUrl,
      answer: (request) => (request.url?.startsWith('/ocs/') ? { status: 200, body: '{}' } : undefined),
    });
    try {
      const result = await checkWith(withProvider({ url: front.baseUrl }));
      assertFailure(result, 'OCS user endpoint', /HTTP 200 without a token, expected 401/, /Authorization header/);
    } finally {
      await front.stop();
    }
  });

  it('fails a clock ten minutes off', async () => {
    const tenMinutesAgo = new Date(Date.now() - 10 * 60 * 1000).toUTCString();
    const front = await FakeFront.start({ target: emulator.baseUrl, replaceHeaders: { date: tenMinutesAgo } });
    try {
      const result = await checkWith(withProvider({ url: front.baseUrl }));
      assertFailure(result, 'clock against Nextcloud', /this machine is 6\d\d s ahead of Nextcloud/, /timedatectl set-ntp true/);
    } finally {
      await front.stop();
    }
  });
});

describe('callback URI comparison', () => {
  const expected = 'https://matrix.example.test/_synapse/client/oidc/callback';

  it('accepts the same URI', () => {
    assert.equal(describeCallbackMismatch(expected, expected), undefined);
  });

  it('names an http registration', () => {
    assert.match(describeCallbackMismatch('http://matrix.example.test/_synapse/client/oidc/callback', expected) ?? '', /registered with http:\/\/ but public_baseurl uses https:\/\//);
  });

  it('names a different web root', () => {
    assert.match(describeCallbackMismatch('https://matrix.example.test/matrix/_synapse/client/oidc/callback', expected) ?? '', /registered with https:\/\/matrix\.example\.test\/matrix\//);
  });
});

describe('clock comparison', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');

  it('passes a second of rounding', () => {
    assert.equal(checkClock('Nextcloud', 'Fri, 04 Dec 2026 11:59:59 GMT', now).status, 'pass');
  });

  it('fails a clock behind', () => {
    const result = checkClock('Nextcloud', 'Fri, 04 Dec 2026 12:05:00 GMT', now);
    assert.equal(result.status, 'fail');
    assert.match(result.detail ?? '', /300 s behind/);
  });

  it('warns without a Date header', () => {
    assert.equal(checkClock('Nextcloud', null, now).status, 'warn');
  });
});
