import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createUser, type TestUser } from '../support/matrix.js';
import { TestServer } from '../support/server.js';

const MEDIA_CSP = "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';";
const MAX_UPLOAD_SIZE = 256 * 1024;

interface Upload {
  status: number;
  body: Record<string, any>;
}

async function upload(server: TestServer, user: TestUser, bytes: Buffer, contentType: string, fileName?: string): Promise<Upload> {
  const query = fileName === undefined ? '' : `?filename=${encodeURIComponent(fileName)}`;
  const response = await fetch(`${server.baseUrl}/_matrix/media/v3/upload${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': contentType },
    body: bytes,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

function mediaPath(contentUri: string): string {
  const match = /^mxc:\/\/([^/]+)\/([^/]+)$/.exec(contentUri);
  assert.ok(match, `not an mxc URI: ${contentUri}`);
  return `${match[1]}/${match[2]}`;
}

async function download(server: TestServer, user: TestUser | undefined, path: string): Promise<Response> {
  const headers: Record<string, string> = user ? { authorization: `Bearer ${user.token}` } : {};
  return fetch(`${server.baseUrl}${path}`, { headers });
}

async function testImage(format: 'png' | 'jpeg', width: number, height: number): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } });
  return format === 'png' ? image.png().toBuffer() : image.jpeg().toBuffer();
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('media repository', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  before(async () => {
    server = await TestServer.start({ config: { max_upload_size: MAX_UPLOAD_SIZE } });
    [alice, bob] = await Promise.all([createUser(server, 'alice'), createUser(server, 'bob')]);
  });
  after(async () => server.dispose());

  for (const format of ['png', 'jpeg'] as const) {
    it(`${format} upload, download and thumbnail`, async () => {
      const image = await testImage(format, 1000, 500);
      const uploaded = await upload(server, alice, image, `image/${format}`, `photo.${format}`);
      assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
      const path = mediaPath(uploaded.body.content_uri);
      assert.ok(path.startsWith('localhost/'));

      const file = await download(server, bob, `/_matrix/client/v1/media/download/${path}`);
      assert.equal(file.status, 200);
      assert.equal(file.headers.get('content-type'), `image/${format}`);
      assert.equal(file.headers.get('content-disposition'), `inline; filename="photo.${format}"`);
      assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(file.headers.get('content-security-policy'), MEDIA_CSP);
      assert.equal(file.headers.get('cross-origin-resource-policy'), 'cross-origin');
      assert.deepEqual(Buffer.from(await file.arrayBuffer()), image);

      const scaled = await download(server, bob, `/_matrix/client/v1/media/thumbnail/${path}?width=300&height=200&method=scale`);
      assert.equal(scaled.status, 200);
      assert.equal(scaled.headers.get('content-type'), `image/${format}`);
      const scaledInfo = await sharp(Buffer.from(await scaled.arrayBuffer())).metadata();
      // 320x240 is the smallest scale size covering 300x200; a 2:1 image fits it at 320x160.
      assert.equal(scaledInfo.width, 320);
      assert.equal(scaledInfo.height, 160);
      assert.equal(scaledInfo.format, format);

      const cropped = await download(server, bob, `/_matrix/client/v1/media/thumbnail/${path}?width=96&height=96&method=crop`);
      assert.equal(cropped.status, 200);
      const croppedInfo = await sharp(Buffer.from(await cropped.arrayBuffer())).metadata();
      assert.equal(croppedInfo.width, 96);
      assert.equal(croppedInfo.height, 96);
    });
  }

  it('file name in the download path', async () => {
    const uploaded = await upload(server, alice, Buffer.from('plain words'), 'text/plain', 'notes.txt');
    const path = mediaPath(uploaded.body.content_uri);
    const file = await download(server, alice, `/_matrix/client/v1/media/download/${path}/${encodeURIComponent('Bericht über Zölle.txt')}`);
    assert.equal(file.status, 200);
    assert.equal(file.headers.get('content-disposition'), "inline; filename*=utf-8''Bericht%20%C3%BCber%20Z%C3%B6lle.txt");
    assert.equal(await file.text(), 'plain words');
  });

  const activeFiles = [
    { name: 'page.html', type: 'text/html', body: '<html><body><script>document.title = "ran"</script></body></html>' },
    { name: 'drawing.svg', type: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' },
  ];
  for (const active of activeFiles) {
    it(`${active.type} upload is served inert`, async () => {
      const uploaded = await upload(server, alice, Buffer.from(active.body), active.type, active.name);
      assert.equal(uploaded.status, 200);
      const path = mediaPath(uploaded.body.content_uri);
      for (const route of [`/_matrix/client/v1/media/download/${path}`, `/_matrix/media/v3/download/${path}`]) {
        const file = await download(server, alice, route);
        assert.equal(file.status, 200, route);
        assert.equal(file.headers.get('content-disposition'), `attachment; filename="${active.name}"`, route);
        assert.equal(file.headers.get('x-content-type-options'), 'nosniff', route);
        assert.equal(file.headers.get('content-security-policy'), MEDIA_CSP, route);
        assert.equal(file.headers.getSetCookie().length, 0, route);
      }
    });
  }

  it('SVG is not thumbnailed', async () => {
    const uploaded = await upload(server, alice, Buffer.from(activeFiles[1]!.body), 'image/svg+xml');
    const response = await download(server, alice, `/_matrix/client/v1/media/thumbnail/${mediaPath(uploaded.body.content_uri)}?width=32&height=32`);
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as Record<string, unknown>).errcode, 'M_UNKNOWN');
  });

  it('identical uploads share one file', async () => {
    const bytes = Buffer.from(`same content ${Date.now()}`);
    const first = await upload(server, alice, bytes, 'text/plain');
    const second = await upload(server, bob, bytes, 'text/plain');
    assert.notEqual(first.body.content_uri, second.body.content_uri);
    const hash = createHash('sha256').update(bytes).digest('hex');
    const copies = filesUnder(join(server.dataDir, 'data', 'media')).filter((file) => file.endsWith(hash));
    assert.equal(copies.length, 1);
  });

  it('upload over the limit is M_TOO_LARGE', async () => {
    const response = await upload(server, alice, Buffer.alloc(MAX_UPLOAD_SIZE + 1, 1), 'application/octet-stream');
    assert.equal(response.status, 413);
    assert.equal(response.body.errcode, 'M_TOO_LARGE');
    const atLimit = await upload(server, alice, Buffer.alloc(MAX_UPLOAD_SIZE, 1), 'application/octet-stream');
    assert.equal(atLimit.status, 200);
  });

  it('chunked upload over the limit is M_TOO_LARGE', async () => {
    // Without Content-Length the limit is only found while streaming.
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(`${server.baseUrl}/_matrix/media/v3/upload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 2);
      let sent = 0;
      const writeMore = () => {
        while (sent < MAX_UPLOAD_SIZE * 2) {
          sent += chunk.length;
          if (!request.write(chunk)) {
            request.once('drain', writeMore);
            return;
          }
        }
        request.end();
      };
      writeMore();
    });
    assert.equal(result.status, 413);
    assert.equal(JSON.parse(result.body).errcode, 'M_TOO_LARGE');
  });

  it('config reports the upload limit', async () => {
    const response = await download(server, alice, '/_matrix/client/v1/media/config');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { 'm.upload.size': MAX_UPLOAD_SIZE });
  });

  it('preview_url fetches nothing', async () => {
    const response = await download(server, alice, `/_matrix/client/v1/media/preview_url?url=${encodeURIComponent('http://127.0.0.1:9/')}`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {});
  });

  it('unknown media is M_NOT_FOUND', async () => {
    for (const path of ['localhost/doesNotExist', 'other.example/abc', 'localhost/bad%2Fid']) {
      const response = await download(server, alice, `/_matrix/client/v1/media/download/${path}`);
      assert.equal(response.status, 404, path);
      assert.equal(((await response.json()) as Record<string, unknown>).errcode, 'M_NOT_FOUND', path);
    }
  });

  it('unauthenticated v1 download is 401', async () => {
    const uploaded = await upload(server, alice, Buffer.from('secret-ish'), 'text/plain');
    const path = mediaPath(uploaded.body.content_uri);
    const response = await download(server, undefined, `/_matrix/client/v1/media/download/${path}`);
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as Record<string, unknown>).errcode, 'M_MISSING_TOKEN');
    const legacy = await download(server, undefined, `/_matrix/media/v3/download/${path}`);
    assert.equal(legacy.status, 200);
    assert.equal(await legacy.text(), 'secret-ish');
  });

  it('thumbnail without width is M_MISSING_PARAM', async () => {
    const uploaded = await upload(server, alice, await testImage('png', 50, 50), 'image/png');
    const response = await download(server, alice, `/_matrix/client/v1/media/thumbnail/${mediaPath(uploaded.body.content_uri)}?height=32`);
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as Record<string, unknown>).errcode, 'M_MISSING_PARAM');
  });

  it('create then PUT upload', async () => {
    const created = await fetch(`${server.baseUrl}/_matrix/media/v1/create`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}` } });
    assert.equal(created.status, 200);
    const { content_uri: contentUri, unused_expires_at: expiresAt } = (await created.json()) as { content_uri: string; unused_expires_at: number };
    assert.ok(expiresAt > Date.now());
    const path = mediaPath(contentUri);

    const early = await download(server, alice, `/_matrix/client/v1/media/download/${path}?timeout_ms=0`);
    assert.equal(early.status, 504);
    assert.equal(((await early.json()) as Record<string, unknown>).errcode, 'M_NOT_YET_UPLOADED');

    const put = (user: TestUser, body: string) => fetch(`${server.baseUrl}/_matrix/media/v3/upload/${path}?filename=later.txt`, {
      method: 'PUT', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'text/plain' }, body,
    });
    const byOther = await put(bob, 'not mine');
    assert.equal(byOther.status, 403);
    assert.equal(((await byOther.json()) as Record<string, unknown>).errcode, 'M_FORBIDDEN');

    // A download started before the upload waits for it.
    const waiting = download(server, bob, `/_matrix/client/v1/media/download/${path}?timeout_ms=30000`);
    const first = await put(alice, 'arrived later');
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), {});
    const waited = await waiting;
    assert.equal(waited.status, 200);
    assert.equal(await waited.text(), 'arrived later');

    const again = await put(alice, 'overwrite');
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as Record<string, unknown>).errcode, 'M_CANNOT_OVERWRITE_MEDIA');
  });

  it('too many pending creates get Retry-After', async () => {
    const hoarder = await createUser(server, 'hoarder');
    const create = () => fetch(`${server.baseUrl}/_matrix/media/v1/create`, { method: 'POST', headers: { authorization: `Bearer ${hoarder.token}` } });
    let limited: Response | undefined;
    for (let attempt = 0; attempt < 20 && !limited; attempt += 1) {
      const response = await create();
      if (response.status === 429) limited = response;
      else assert.equal(response.status, 200);
    }
    assert.ok(limited, 'creating media ids without uploading is limited');

    const body = (await limited.json()) as { errcode: string; retry_after_ms: number };
    assert.equal(body.errcode, 'M_LIMIT_EXCEEDED');
    // Spec v1.10 prefers the Retry-After header, in seconds, over retry_after_ms.
    assert.equal(limited.headers.get('retry-after'), String(Math.ceil(body.retry_after_ms / 1000)));
  });

  it('avatar_url resolves to a download', async () => {
    const image = await testImage('png', 64, 64);
    const uploaded = await upload(server, alice, image, 'image/png');
    const setAvatar = await fetch(`${server.baseUrl}/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/avatar_url`, {
      method: 'PUT', headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ avatar_url: uploaded.body.content_uri }),
    });
    assert.equal(setAvatar.status, 200);
    const profile = (await (await download(server, bob, `/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}`)).json()) as { avatar_url: string };
    const avatar = await download(server, bob, `/_matrix/client/v1/media/thumbnail/${mediaPath(profile.avatar_url)}?width=32&height=32&method=crop`);
    assert.equal(avatar.status, 200);
    assert.equal((await sharp(Buffer.from(await avatar.arrayBuffer())).metadata()).width, 32);
  });
});
