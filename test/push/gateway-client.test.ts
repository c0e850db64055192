// The notify request against a loopback server: which responses count as rejections, which
// failures are worth retrying, and cancellation.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { GatewayError, postNotification } from '../../src/push/gateway-client.js';

describe('postNotification', () => {
  let server: Server;
  let baseUrl: string;
  const received: unknown[] = [];

  before(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        received.push(JSON.parse(text));
        const status = Number(request.url?.split('/')[1]);
        if (request.url?.startsWith('/hang')) return;
        if (request.url?.startsWith('/not-json')) {
          response.end('ok');
          return;
        }
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ rejected: ['bad-key', 7] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(typeof address === 'object' && address);
    baseUrl = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('returns rejected string pushkeys', async () => {
    const rejected = await postNotification(`${baseUrl}/200/_matrix/push/v1/notify`, { notification: { devices: [] } });
    assert.deepEqual(rejected, ['bad-key']);
    assert.deepEqual(received.at(-1), { notification: { devices: [] } });
  });

  it('body without JSON rejects nothing', async () => {
    assert.deepEqual(await postNotification(`${baseUrl}/not-json/_matrix/push/v1/notify`, {}), []);
  });

  it('server errors are retryable', async () => {
    for (const status of [500, 503, 429]) {
      await assert.rejects(postNotification(`${baseUrl}/${status}/_matrix/push/v1/notify`, {}), (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.retryable, true, `HTTP ${status}`);
        return true;
      });
    }
  });

  it('client errors are not retryable', async () => {
    for (const status of [400, 404]) {
      await assert.rejects(postNotification(`${baseUrl}/${status}/_matrix/push/v1/notify`, {}), (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.retryable, false, `HTTP ${status}`);
        return true;
      });
    }
  });

  it('unreachable gateway is retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    assert.ok(typeof address === 'object' && address);
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(postNotification(`http://127.0.0.1:${address.port}/_matrix/push/v1/notify`, {}), (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.retryable, true);
      return true;
    });
  });

  it('cancel aborts a hanging request', async () => {
    const cancel = new AbortController();
    const pending = postNotification(`${baseUrl}/hang/_matrix/push/v1/notify`, {}, { cancel: cancel.signal });
    setTimeout(() => cancel.abort(), 50);
    await assert.rejects(pending, GatewayError);
  });
});
