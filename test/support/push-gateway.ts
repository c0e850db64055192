// A push gateway test double on a loopback port. It serves POST /_matrix/push/v1/notify as the
// push gateway API defines it and records every notify body. It responds as a per-pushkey script
// sets (an HTTP status, or a rejection of the pushkey), and otherwise with `{"rejected": []}`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { specRootPath } from './openapi.js';

export const NOTIFY_PATH = '/_matrix/push/v1/notify';

/** One notify request as the gateway received it. */
export interface ReceivedNotification {
  pushkey: string;
  body: {
    notification: Record<string, any> & { devices: Array<Record<string, any>> };
  };
}

/** A scripted response: an error status, or a 200 that rejects the pushkey. */
export type ScriptedResponse = { status: number } | 'reject';

export class PushGateway {
  readonly received: ReceivedNotification[] = [];
  private readonly scripts = new Map<string, ScriptedResponse[]>();
  private waiters: Array<() => void> = [];

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<PushGateway> {
    let gateway: PushGateway | undefined;
    const server = createServer((request, response) => void gateway?.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('push gateway did not bind');
    gateway = new PushGateway(server, `http://127.0.0.1:${address.port}${NOTIFY_PATH}`);
    return gateway;
  }

  /** Makes the next requests for `pushkey` get these responses, in order. */
  script(pushkey: string, ...responses: ScriptedResponse[]): void {
    this.scripts.set(pushkey, [...(this.scripts.get(pushkey) ?? []), ...responses]);
  }

  /** Notifications received for the pushkey so far. */
  for(pushkey: string): ReceivedNotification[] {
    return this.received.filter((entry) => entry.pushkey === pushkey);
  }

  /** Resolves once `count` notifications for the pushkey arrived; rejects after `timeoutMs`. */
  async waitFor(pushkey: string, count: number, timeoutMs = 15_000): Promise<ReceivedNotification[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.for(pushkey).length < count) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`push gateway got ${this.for(pushkey).length} of ${count} notifications for ${pushkey}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.for(pushkey);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://gateway.invalid').pathname;
    if (path !== NOTIFY_PATH) return sendJson(response, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unknown endpoint' });
    if (request.method !== 'POST') return sendJson(response, 405, { errcode: 'M_UNRECOGNIZED', error: 'Unsupported method' });

    let body: ReceivedNotification['body'];
    try {
      body = JSON.parse(await readBody(request)) as ReceivedNotification['body'];
    } catch {
      return sendJson(response, 400, { errcode: 'M_NOT_JSON', error: 'Body is not JSON' });
    }
    const pushkey = String(body.notification?.devices?.[0]?.pushkey);
    this.received.push({ pushkey, body });
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());

    const scripted = this.scripts.get(pushkey)?.shift();
    if (scripted === 'reject') return sendJson(response, 200, { rejected: [pushkey] });
    if (scripted) return sendJson(response, scripted.status, { errcode: 'M_UNKNOWN', error: 'scripted failure' });
    return sendJson(response, 200, { rejected: [] });
  }
}

/**
 * Compiles the request body schema of POST /notify from the spec's push gateway OpenAPI file, or
 * returns undefined when the spec checkout is missing. The schema has no `$ref`, so no
 * dereferencing is needed.
 */
export function loadNotifyBodyValidator(): ValidateFunction | undefined {
  let document: any;
  try {
    document = parseYaml(readFileSync(join(specRootPath(), 'data', 'api', 'push-gateway', 'push_notifier.yaml'), 'utf8'));
  } catch {
    return undefined;
  }
  const schema = document.paths['/notify'].post.requestBody.content['application/json'].schema;
  delete schema.example;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  formatsPlugin.default(ajv);
  return ajv.compile(schema);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
