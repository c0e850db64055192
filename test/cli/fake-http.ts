import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CannedResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/**
 * A loopback HTTP server that responds to chosen requests itself and forwards the rest to `target`,
 * optionally replacing response headers, to stand for a misconfigured web server in front of a
 * real one.
 */
export class FakeFront {
  private constructor(private readonly server: Server, readonly baseUrl: string) {}

  static async start(options: {
    target?: string;
    answer?: (request: IncomingMessage) => CannedResponse | undefined;
    replaceHeaders?: Record<string, string>;
  }): Promise<FakeFront> {
    const server = createServer((req, res) => {
      const canned = options.answer?.(req);
      if (canned || !options.target) {
        const response = canned ?? { status: 404, body: 'Not found' };
        res.writeHead(response.status, { 'content-type': 'text/plain', ...response.headers, ...options.replaceHeaders }).end(response.body);
        return;
      }
      const target = new URL(options.target);
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, { ...upstreamRes.headers, ...options.replaceHeaders });
        upstreamRes.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FakeFront(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
