import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging.js';
import type { LatticeMetrics } from './registry.js';

/** The metrics HTTP listener, apart from the client API so its address can stay private. */
export interface MetricsListener {
  address: { host: string; port: number };
  close(): Promise<void>;
}

/** Serves `GET /metrics` (Prometheus text format) and `GET /health` on its own host and port. */
export async function startMetricsListener(metrics: LatticeMetrics, host: string, port: number, logger: Logger): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method not allowed\n');
      return;
    }
    if (path === '/health') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      return;
    }
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found; metrics are at /metrics\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: unknown) => {
        logger.error({ err: error }, 'metrics collection failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics collection failed; see the server log.\n');
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  logger.info({ host: bound.address, port: bound.port }, 'metrics listener started');

  return {
    address: { host: bound.address, port: bound.port },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
