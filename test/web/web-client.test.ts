import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { TestServer } from '../support/server.js';

const INDEX_HTML = '<!DOCTYPE html><html><head><title>Test client</title></head><body>test client</body></html>';

/** Writes a folder shaped like an unpacked Element Web release. */
function makeClientFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'lattice-web-client-'));
  writeFileSync(join(folder, 'index.html'), INDEX_HTML);
  mkdirSync(join(folder, 'bundles', '0a1b2c3d4e5f'), { recursive: true });
  writeFileSync(join(folder, 'bundles', '0a1b2c3d4e5f', 'app.js'), 'console.log("app");');
  writeFileSync(join(folder, 'vendor.3f9a2c1d.js'), 'console.log("vendor");');
  writeFileSync(join(folder, 'version'), '1.11.0');
  // A stale config.json in the release folder must not replace the generated one.
  writeFileSync(join(folder, 'config.json'), '{"default_server_config":{"m.homeserver":{"base_url":"https://matrix-client.matrix.org"}}}');
  return folder;
}

describe('web client hosting', () => {
  let server: TestServer;
  let folder: string;

  before(async () => {
    folder = makeClientFolder();
    server = await TestServer.start({
      serverName: 'chat.example.test',
      config: {
        web_client: { path: folder, config: { brand: 'Example Chat', setting_defaults: { 'UIFeature.registration': false } } },
        sso: { frame_ancestors: ['https://cloud.example.test'] },
      },
    });
  });
  after(async () => {
    await server.dispose();
    rmSync(folder, { recursive: true, force: true });
  });

  it('config.json is generated from lattice.yaml', async () => {
    const response = await fetch(`${server.baseUrl}/config.json`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await response.json(), {
      default_server_config: { 'm.homeserver': { base_url: server.baseUrl, server_name: 'chat.example.test' } },
      disable_custom_urls: true,
      disable_guests: true,
      disable_3pid_login: true,
      brand: 'Example Chat',
      room_directory: { servers: ['chat.example.test'] },
      setting_defaults: { 'UIFeature.registration': false },
    });
  });

  it('index.html is served at / uncached', async () => {
    const response = await fetch(`${server.baseUrl}/`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), INDEX_HTML);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('content-security-policy'), "frame-ancestors 'self' https://cloud.example.test");
  });

  it('hashed bundle files are immutable', async () => {
    for (const path of ['/bundles/0a1b2c3d4e5f/app.js', '/vendor.3f9a2c1d.js']) {
      const response = await fetch(`${server.baseUrl}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable', path);
      await response.arrayBuffer();
    }
  });

  it('unhashed files are revalidated', async () => {
    const response = await fetch(`${server.baseUrl}/version`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(await response.text(), '1.11.0');
  });

  it('API paths keep their own answers', async () => {
    const versions = await fetch(`${server.baseUrl}/_matrix/client/versions`);
    assert.equal(versions.status, 200);
    assert.ok(((await versions.json()) as { versions: string[] }).versions.includes('v1.11'));
    const unknown = await fetch(`${server.baseUrl}/_matrix/client/v3/no-such-endpoint`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as Record<string, unknown>).errcode, 'M_UNRECOGNIZED');
    const missingFile = await fetch(`${server.baseUrl}/no-such-file.js`);
    assert.equal(missingFile.status, 404);
    await missingFile.arrayBuffer();
  });
});

describe('root page without web client', () => {
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
  });
  after(async () => server.dispose());

  it('/ names the API address', async () => {
    const response = await fetch(`${server.baseUrl}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.ok(html.includes(`${server.baseUrl}/_matrix/client/`), html);
    const config = await fetch(`${server.baseUrl}/config.json`);
    assert.equal(config.status, 404);
    await config.arrayBuffer();
  });
});

describe('web_client config', () => {
  it('folder without index.html is rejected', () => {
    const folder = mkdtempSync(join(tmpdir(), 'lattice-web-client-empty-'));
    try {
      assert.throws(() => parseConfig({ server_name: 'localhost', web_client: { path: folder } }, folder), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /web_client\.path/);
        assert.match(error.message, /index\.html/);
        return true;
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('config must be a mapping', () => {
    assert.throws(() => parseConfig({ server_name: 'localhost', web_client: { config: ['brand'] } }, tmpdir()), /web_client\.config/);
  });

  it('max_upload_size accepts sizes', () => {
    assert.equal(parseConfig({ server_name: 'localhost', max_upload_size: '100M' }, tmpdir()).max_upload_size, 100 * 1024 * 1024);
    assert.equal(parseConfig({ server_name: 'localhost' }, tmpdir()).max_upload_size, 50 * 1024 * 1024);
    assert.throws(() => parseConfig({ server_name: 'localhost', max_upload_size: 'lots' }, tmpdir()), /max_upload_size/);
  });

  it('hosted client needs no confirmation', () => {
    const folder = mkdtempSync(join(tmpdir(), 'lattice-web-client-allow-'));
    try {
      writeFileSync(join(folder, 'index.html'), INDEX_HTML);
      const base = { server_name: 'chat.example.test', public_baseurl: 'https://chat.example.test/', sso: { client_allowlist: ['https://app.example.test/'] } };
      const hosted = parseConfig({ ...base, web_client: { path: folder } }, folder);
      const fallbackDone = 'https://chat.example.test/_matrix/client/v3/auth/m.login.sso/fallback/web/done';
      assert.deepEqual(hosted.sso.client_allowlist, ['https://app.example.test/', 'https://chat.example.test/', fallbackDone]);
      const notHosted = parseConfig(base, folder);
      assert.deepEqual(notHosted.sso.client_allowlist, ['https://app.example.test/', fallbackDone]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('frame_ancestors must be origins', () => {
    assert.throws(() => parseConfig({ server_name: 'localhost', sso: { frame_ancestors: ['https://cloud.example.test/apps/'] } }, tmpdir()), /sso\.frame_ancestors\[0\]/);
  });
});
