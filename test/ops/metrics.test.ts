import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../support/client.js';
import { createRoom, createUser, sendText, sync, type TestUser } from '../support/matrix.js';
import { freePort, TestServer } from '../support/server.js';
import { metricValue, scrape, waitForMetric } from './metrics-support.js';

describe('metrics and health', () => {
  let server: TestServer;
  let metricsUrl: string;
  let alice: TestUser;

  before(async () => {
    const metricsPort = await freePort();
    server = await TestServer.start({ config: { metrics: { enabled: true, host: '127.0.0.1', port: metricsPort } } });
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    alice = await createUser(server, 'alice');
  });
  after(() => server.dispose());

  it('answers /health with OK', async () => {
    const response = await fetch(`${server.baseUrl}/health`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'OK');
  });

  it('keeps /metrics off the client listener', async () => {
    const response = await api(server.baseUrl, 'GET', '/metrics');
    assert.equal(response.status, 404);
  });

  it('counts requests by route and status', async () => {
    const before = metricValue(await scrape(metricsUrl), 'lattice_http_requests_total', { route: '/_matrix/client/v3/account/whoami', status: '200' }) ?? 0;
    await api(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: alice.token });
    await api(server.baseUrl, 'GET', '/_matrix/client/v3/account/whoami', { token: 'wrong' });
    const text = await scrape(metricsUrl);

    assert.equal(metricValue(text, 'lattice_http_requests_total', { route: '/_matrix/client/v3/account/whoami', status: '200' }), before + 1);
    assert.ok((metricValue(text, 'lattice_http_requests_total', { route: '/_matrix/client/v3/account/whoami', status: '401' }) ?? 0) >= 1);
    assert.ok((metricValue(text, 'lattice_http_request_duration_seconds_count', { route: '/_matrix/client/v3/account/whoami' }) ?? 0) >= 2);
    assert.ok(!text.includes(alice.token));
  });

  it('labels unknown paths as unmatched', async () => {
    await api(server.baseUrl, 'GET', '/no/such/path/12345');
    const text = await scrape(metricsUrl);
    assert.ok((metricValue(text, 'lattice_http_requests_total', { route: 'unmatched', status: '404' }) ?? 0) >= 1);
    assert.ok(!text.includes('/no/such/path/12345'));
  });

  it('counts persisted events', async () => {
    const roomId = await createRoom(server, alice);
    const before = metricValue(await scrape(metricsUrl), 'lattice_events_persisted') ?? 0;
    await sendText(server, alice, roomId, 'counted');
    assert.equal(metricValue(await scrape(metricsUrl), 'lattice_events_persisted'), before + 1);
  });

  it('gauges waiting /sync requests', async () => {
    const { next_batch: since } = await sync(server, alice);
    const roomId = await createRoom(server, alice);
    const { next_batch: latest } = await sync(server, alice, `since=${since}`);
    const waiting = api(server.baseUrl, 'GET', `/_matrix/client/v3/sync?since=${latest}&timeout=30000`, { token: alice.token });

    await waitForMetric(metricsUrl, 'lattice_sync_active', 1);
    await sendText(server, alice, roomId, 'wake up');
    assert.equal((await waiting).status, 200);
    await waitForMetric(metricsUrl, 'lattice_sync_active', 0);
  });
});
