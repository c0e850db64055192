import { Agent, request, type Dispatcher } from 'undici';

/** A Matrix request that returned a non-2xx status. */
export class MatrixRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly errcode: string | undefined,
    detail: string,
  ) {
    super(`${method} ${path.split('?')[0]} failed with ${status}${errcode ? ` ${errcode}` : ''}: ${detail}`);
    this.name = 'MatrixRequestError';
  }
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  signal?: AbortSignal;
}

/** Response body and its size in bytes, for scenarios that report payload size. */
export interface CallResult<T> {
  body: T;
  bytes: number;
}

/**
 * A JSON client for one homeserver over undici. Each instance keeps its own connection pool, so
 * long-polling /sync requests can hold connections without starving the senders.
 */
export class MatrixHttp {
  private readonly agent: Agent;

  constructor(readonly baseUrl: string, connections: number) {
    this.agent = new Agent({ connections, keepAliveTimeout: 60_000, headersTimeout: 120_000, bodyTimeout: 120_000 });
  }

  async call<T = Record<string, unknown>>(method: Dispatcher.HttpMethod, path: string, options: CallOptions = {}): Promise<T> {
    return (await this.callWithSize<T>(method, path, options)).body;
  }

  /** Sends the request and parses the JSON body; throws MatrixRequestError on a non-2xx status. */
  async callWithSize<T>(method: Dispatcher.HttpMethod, path: string, options: CallOptions = {}): Promise<CallResult<T>> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await request(`${this.baseUrl}${path}`, { method, headers, body, dispatcher: this.agent, signal: options.signal });
    const text = await response.body.text();
    const parsed = parseJson(text);
    if (response.statusCode < 200 || response.statusCode > 299) {
      const errcode = typeof parsed?.errcode === 'string' ? parsed.errcode : undefined;
      const detail = typeof parsed?.error === 'string' ? parsed.error : text.slice(0, 200);
      throw new MatrixRequestError(method, path, response.statusCode, errcode, detail);
    }
    return { body: (parsed ?? {}) as T, bytes: Buffer.byteLength(text) };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Runs `work` over the items with at most `limit` calls in flight; results keep the items' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export const roomPath = (roomId: string) => `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}`;

let transactionCounter = 0;

/** Returns a transaction id unique within this process, for PUT /send. */
export function nextTxnId(): string {
  transactionCounter += 1;
  return `bench-${process.pid}-${transactionCounter}`;
}
